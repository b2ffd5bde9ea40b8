"""Staff-only preview of any article, draft or scheduled, exactly as readers will see it."""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from .models import Article
from .views import ArticleDetailView


@method_decorator([never_cache, staff_member_required], name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """The reader's article page for any status, with a banner saying it is a preview; never
    cached, never indexed. Only for staff who may see articles in the admin: a draft is not
    for every staff account."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not (user.has_perm("articles.view_article") or user.has_perm("articles.change_article")):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return Article.objects.select_related("category")

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=True, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
