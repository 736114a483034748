/* Card payment with Stripe Elements on the payment page (payment.html).
   The page carries the publishable key, the PaymentIntent's client secret and the
   address Stripe sends the buyer back to; the payment succeeds by Stripe's webhook. */
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof window.Stripe !== "function") return;
  var stripe = window.Stripe(form.dataset.publishableKey);
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#card-element");
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("card-submit");
  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    stripe.confirmPayment({
      elements: elements,
      confirmParams: { return_url: form.dataset.returnUrl }
    }).then(function (result) {
      // Only reached when the payment could not be confirmed; success leaves for return_url.
      if (result.error) errors.textContent = result.error.message;
      button.disabled = false;
    });
  });
})();
