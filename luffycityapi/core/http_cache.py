"""Browser caching of public GET responses: a short max-age and a strong ETag answered with 304."""
import hashlib

from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers


class ConditionalGetMixin:
    """For a DRF view whose 200 GET answers are the same for everyone: `Cache-Control` with max-age
    `self.http_max_age` (set by the handler; 0 means revalidate every time), an ETag over the rendered body, and a
    304 when If-None-Match names it. `public` for anonymous requests; `private` when the request carries an
    Authorization header, so no shared cache stores what a logged-in student's browser asked for."""

    http_max_age = 0

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        response.render()
        response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
        scope = "private" if "HTTP_AUTHORIZATION" in request.META else "public"
        patch_cache_control(response, **{scope: True}, max_age=self.http_max_age)
        if self.http_max_age == 0:
            patch_cache_control(response, must_revalidate=True)
        patch_vary_headers(response, ["Authorization"])
        return get_conditional_response(request, etag=response["ETag"], response=response)
