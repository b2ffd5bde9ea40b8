"""'Was this page helpful?': a reader's yes or no, and an optional comment.

The article page stays fully cacheable: its Yes and No buttons are a plain GET form that leads
here, and only this small page, never cached, carries the CSRF token for the POST that stores
the answer. It works with JavaScript off. Each client (a keyed hash of its address, kept in the
cache for an hour, never stored) may send a few answers an hour."""

import hashlib

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .models import Article, Feedback

LIMIT_PER_HOUR = 10


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Was this page helpful?",
    )
    comment = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
        label="Anything to add? (optional)",
        help_text="Up to 500 characters. Please do not include personal or medical details: "
        "we cannot reply. If you need help, see the “When to get help” part of the page.",
    )


def _client_key(request):
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"feedback-throttle:{digest}"


def _allowed(request):
    key = _client_key(request)
    try:
        cache.add(key, 0, timeout=3600)
        return cache.incr(key) <= LIMIT_PER_HOUR
    except Exception:  # noqa: BLE001 - a cache outage must not stop feedback
        return True


@never_cache
@require_http_methods(["GET", "POST"])
def article_feedback(request, slug):
    response = _feedback(request, slug)
    response["X-Robots-Tag"] = "noindex"
    return response


def _feedback(request, slug):
    article = get_object_or_404(Article.objects.published().only("title", "slug"), slug=slug)
    if request.GET.get("sent"):
        return render(request, "articles/feedback.html", {"article": article, "sent": True})
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        if form.is_valid():
            if not _allowed(request):
                return render(
                    request,
                    "articles/feedback.html",
                    {"article": article, "form": form, "throttled": True},
                    status=429,
                )
            Feedback.objects.create(
                article=article,
                helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"].strip(),
            )
            return redirect(reverse("articles:article-feedback", args=[slug]) + "?sent=1")
        status = 400
    else:
        form = FeedbackForm(initial={"helpful": request.GET.get("helpful")})
        status = 200
    return render(
        request, "articles/feedback.html", {"article": article, "form": form}, status=status
    )
