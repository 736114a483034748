"""Notifications: every party hears what happened, once, in their language.

- `kinds`: which event tells whom (the one mapping), and the channels' defaults.
- `messages`: what a notification says, per kind, rendered in the recipient's language.
- `channels`: how it is sent (in-app row, e-mail, WhatsApp/SMS gateway).
- `services`: fan-out into deliveries, the delivering itself, the daily low-stock digest,
  the monthly report, preferences and the in-app inbox.

Flow: events.record calls `kinds.notifications_enqueue` for the events written; for a
kind that notifies it writes ONE outbox task (the fan-out) in the event's transaction.
The fan-out writes a `NotificationDelivery` per (source, recipient, channel), unique, and
an outbox task per delivery; the delivering task locks its row, returns if it is sent,
sends, and marks it sent in the same transaction.
"""
