"""
The Markdown editor's server side: live preview and image upload, for editors only.

django-markdownx ships these views open to anyone; here both refuse anyone who is not active
staff allowed to add or change articles with 403 before reading the request, and uploads are
checked by content with Pillow: only real PNG, JPEG or WebP images within the size limit are
stored, re-encoded, under a random name with the extension of their real format.
"""

import logging

from django.conf import settings
from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.views import View
from markdownx.forms import ImageForm
from PIL import Image, UnidentifiedImageError

from . import markdown

logger = logging.getLogger(__name__)

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
MAX_PIXELS = 25_000_000  # a small file can still decode to gigabytes: refuse huge canvases


class StaffOnlyMixin(UserPassesTestMixin):
    """Active staff who may add or change articles (the only model with a Markdown editor):
    what the article form itself asks."""

    raise_exception = True  # 403, not a redirect to a login page, for an editor endpoint

    def test_func(self):
        user = self.request.user
        return (
            user.is_active
            and user.is_staff
            and (user.has_perm("articles.change_article") or user.has_perm("articles.add_article"))
        )


class MarkdownifyView(StaffOnlyMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        return HttpResponse(markdown.render(request.POST.get("content", "")))


class CheckedImageForm(ImageForm):
    def clean(self):
        upload = self.cleaned_data.get("image")
        if not upload:
            raise ValidationError("Choose an image to upload.")
        if upload.size > settings.MARKDOWNX_UPLOAD_MAX_SIZE:
            limit = settings.MARKDOWNX_UPLOAD_MAX_SIZE // (1024 * 1024)
            raise ValidationError(f"Images can be at most {limit} MB.")
        try:
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise ValidationError("That file is not a PNG, JPEG or WebP image.") from error
        if image_format not in IMAGE_FORMATS:
            raise ValidationError("Only PNG, JPEG and WebP images can be uploaded.")
        if width * height > MAX_PIXELS:
            raise ValidationError("That image is too large; make it smaller than 5000 by 5000.")
        upload.seek(0)
        # Trust what the bytes are, not what the browser said or the file was called.
        upload.content_type = IMAGE_FORMATS[image_format]
        upload.name = f"image.{EXTENSIONS[image_format]}"
        return upload


class ImageUploadView(StaffOnlyMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = CheckedImageForm(request.POST, request.FILES)
        if not form.is_valid():
            return JsonResponse(
                {"image": form.errors.get("__all__", ["Invalid image."])}, status=400
            )
        try:
            url = form.save(commit=True)
        except OSError:
            logger.exception("could not store an uploaded image")
            return JsonResponse(
                {"image": ["The image could not be stored on the server. Please tell an admin."]},
                status=507,
            )
        return JsonResponse({"image_code": f"![Describe the image here]({url})"})
