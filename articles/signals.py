"""Keep derived things in step with content: the cache version and the search index.

Each handler only calls the function that does the work (cache.py, search/)."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from . import search
from .cache import bump_content_version
from .models import Article, Category, Tag

for _model in (Article, Category, Tag):
    post_save.connect(bump_content_version, sender=_model, dispatch_uid=f"bump-save-{_model}")
    post_delete.connect(bump_content_version, sender=_model, dispatch_uid=f"bump-del-{_model}")
for _through in (Article.tags.through, Article.related.through):
    m2m_changed.connect(bump_content_version, sender=_through, dispatch_uid=f"bump-m2m-{_through}")


@receiver(post_save, sender=Article, dispatch_uid="index-article")
def index_saved_article(instance, **kwargs):
    search.index_articles([instance])


@receiver(pre_delete, sender=Article, dispatch_uid="unindex-article")
def unindex_deleted_article(instance, **kwargs):
    search.remove_articles([instance.pk])


@receiver(m2m_changed, sender=Article.tags.through, dispatch_uid="index-article-tags")
def index_retagged_articles(instance, action, reverse, pk_set, **kwargs):
    if not reverse:  # article.tags changed
        if action in {"post_add", "post_remove", "post_clear"}:
            search.index_articles([instance])
    elif action == "pre_clear":  # tag.articles.clear(): remember who loses the tag
        instance._article_ids = list(instance.articles.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove"}:
        search.index_articles(Article.objects.filter(pk__in=pk_set))
    elif action == "post_clear":
        search.index_articles(Article.objects.filter(pk__in=instance._article_ids))


@receiver(post_save, sender=Tag, dispatch_uid="index-tag-articles")
@receiver(post_save, sender=Category, dispatch_uid="index-category-articles")
def index_articles_of(instance, created, **kwargs):
    if not created:
        search.index_articles(instance.articles.all())


@receiver(pre_delete, sender=Tag, dispatch_uid="remember-tag-articles")
def remember_tag_articles(instance, **kwargs):
    instance._article_ids = list(instance.articles.values_list("pk", flat=True))


@receiver(post_delete, sender=Tag, dispatch_uid="index-untagged-articles")
def index_untagged_articles(instance, **kwargs):
    search.index_articles(Article.objects.filter(pk__in=getattr(instance, "_article_ids", [])))
