from django.http import JsonResponse

NUL_MESSAGE = "NUL bytes are not allowed."


class RejectNulBytesMiddleware:
    """A NUL byte in the path or a query parameter is a 400 here, not a database error later.

    PostgreSQL text cannot hold NUL, so any such value that reached a query
    would fail with a 500; one check at the door covers every view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return JsonResponse({"detail": NUL_MESSAGE}, status=400)
        bad = {
            name: [NUL_MESSAGE]
            for name, values in request.GET.lists()
            if "\x00" in name or any("\x00" in value for value in values)
        }
        if bad:
            return JsonResponse(bad, status=400)
        return self.get_response(request)
