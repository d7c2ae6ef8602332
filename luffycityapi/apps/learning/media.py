"""Signed, expiring lesson media URLs and the responses that serve them.

A play URL is /api/learn/lessons/<id>/media/?sig=<token>; the token is Django's signing of {user, lesson} with a
timestamp (salted), so it cannot be forged, moved to another lesson, or used after LESSON_URL_MAX_AGE seconds.
The media view checks the signature AND asks again whether that user may play that lesson, on every request
(a refund takes effect at once). In development Django streams the file with HTTP Range support; with
LESSON_MEDIA_ACCEL_PREFIX set (production, behind nginx) it answers with X-Accel-Redirect and nginx serves the
bytes (and the ranges) from an `internal` location: deploy/luffycity.nginx.conf, deploy/RUNBOOK.md."""
import mimetypes
import os
import re
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse

from luffycityapi.core.errors import ShopError

SALT = "luffycity.learning.media"
SAMPLE_VIDEOS = Path(__file__).resolve().parent / "sample_videos"
CHUNK = 64 * 1024


class MediaForbidden(ShopError):
    status_code = 403
    default_code = "media_forbidden"
    default_message = "无权播放该视频"


def sign(user_id, lesson_id: int) -> str:
    return signing.dumps({"u": int(user_id or 0), "l": int(lesson_id)}, salt=SALT, compress=False)


def play_url(user_id, lesson_id: int) -> str:
    return f"{reverse('learn-media', args=[lesson_id])}?sig={sign(user_id, lesson_id)}"


def unsign(token: str, lesson_id: int) -> int:
    """The user id a token was signed for, if it is genuine, unexpired and for this lesson; else 403."""
    if not token:
        raise MediaForbidden("播放地址未签名", code="media_unsigned")
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.LESSON_URL_MAX_AGE)
    except signing.SignatureExpired:
        raise MediaForbidden("播放地址已过期，请刷新页面", code="media_expired") from None
    except signing.BadSignature:
        raise MediaForbidden("播放地址无效", code="media_bad_signature") from None
    if not isinstance(data, dict) or data.get("l") != lesson_id:
        raise MediaForbidden("播放地址无效", code="media_bad_signature")
    return int(data.get("u") or 0)


def media_path(video: str) -> Path:
    """The lesson's file under LESSON_MEDIA_ROOT; a name that would leave that folder is refused."""
    root = Path(settings.LESSON_MEDIA_ROOT or SAMPLE_VIDEOS).resolve()
    path = (root / video).resolve()
    if not video or root not in path.parents or not path.is_file():
        raise ShopError("视频文件不存在", code="media_not_found", status=404)
    return path


RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int):
    """(start, end) inclusive for a single `bytes=` range, None to send the whole file (no header, or one we do not
    serve as a range: several ranges, other units), or "unsatisfiable" (416)."""
    match = RANGE_RE.match((header or "").strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        count = int(last)
        if count == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - count), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last != "" else size - 1
    if start >= size or (last != "" and int(last) < start):
        return "unsatisfiable"
    return start, end


def _ranged_file(path: Path, start: int, length: int):
    with open(path, "rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk


def media_response(request, video: str) -> HttpResponse:
    """The lesson's bytes: X-Accel-Redirect in production; else the file, or the asked range (206 / 416)."""
    path = media_path(video)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    prefix = settings.LESSON_MEDIA_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + video.lstrip("/")
        response["Cache-Control"] = "private, no-store"
        return response
    size = os.path.getsize(path)
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted == "unsatisfiable":
        response = JsonResponse({"errmsg": "请求的范围超出文件大小", "code": "range_not_satisfiable"}, status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(open(path, "rb"), content_type=content_type)
    else:
        start, end = wanted
        response = StreamingHttpResponse(_ranged_file(path, start, end - start + 1), status=206,
                                         content_type=content_type)
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"  # signed per user: no shared cache may keep it
    return response
