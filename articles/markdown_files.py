"""
Content as Markdown files with YAML front matter: the format of `articles/content/`.

`export_dir()` writes every category, tag and article (drafts too) in that format, built from
the same normalised fields the import compares, so importing an export changes nothing and
exporting again gives the same bytes.

`import_dir()` loads a folder of `categories/`, `tags/` and `articles/` files. It creates what
is missing and updates what the files changed, but never overwrites an object an editor changed
in the admin since it was last imported: each object keeps a fingerprint of what the import
wrote (`import_hash`), and an object whose fields no longer match it is reported as a conflict
and left alone. Running it twice changes nothing the second time.

The fingerprint also names the folder the import came from (our `articles/content/` is
"shipped", any other by its path). Files from one folder never overwrite what another folder's
import wrote: an export carries editors' work, and importing it (to move content to a new
site, say) must not let the next `make setup` put the shipped articles back over it.
"""

import datetime
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import reversion
import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.dateparse import parse_date, parse_datetime

from .models import Article, Category, Tag, one_line

ARTICLE_TEXT_FIELDS = ["summary", "body", "see_a_doctor", "urgent_help", "emergency", "sources"]


class ContentError(Exception):
    """A file that cannot be imported, with a message that says why."""


@dataclass
class Report:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def lines(self):
        for label, items in [
            ("created", self.created),
            ("updated", self.updated),
            (
                "conflict (changed in the admin, or imported from another folder, since the "
                "last import from here; kept)",
                self.conflicts,
            ),
            ("error", self.errors),
        ]:
            for item in items:
                yield f"{label}: {item}"
        yield (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.conflicts)} conflicts, "
            f"{len(self.errors)} errors"
        )


# --- Normalised field dictionaries: the same shape from a file and from the database --------


def _text(value):
    return str(value or "").replace("\r\n", "\n").strip()


def _iso(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        parsed = parse_datetime(text) or parse_date(text)
    except ValueError:  # well formed but no such day: "2026-02-30"
        parsed = None
    if parsed is None:
        raise ContentError(f"{text!r} is not a date (use YYYY-MM-DD or an ISO date and time)")
    return _iso(parsed)


def _slugs(value):
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    return [str(item).strip() for item in value if str(item).strip()]


def category_fields(category):
    return {
        "name": _text(category.name),
        "slug": category.slug,
        "position": int(category.position),
        "is_cause": bool(category.is_cause),
        "summary": _text(category.summary),
    }


def tag_fields(tag):
    return {"name": _text(tag.name), "slug": tag.slug, "aliases": tag.alias_list}


def article_fields(article):
    data = {
        "title": _text(article.title),
        "slug": article.slug,
        "category": article.category.slug,
        "status": article.status,
        "published_at": _iso(article.published_at),
        "reviewed_by": _text(article.reviewed_by),
        "last_reviewed": _iso(article.last_reviewed),
        "next_review_due": _iso(article.next_review_due),
        # .all() so an export can prefetch them; the order is not stored, so slugs are sorted.
        "tags": sorted(tag.slug for tag in article.tags.all()),
        "related": sorted(other.slug for other in article.related.all()),
        **_clinical_review(
            _text(article.clinical_reviewer),
            _text(article.clinical_reviewer_profession),
            _iso(article.clinically_reviewed_on),
        ),
    }
    data.update({name: _text(getattr(article, name)) for name in ARTICLE_TEXT_FIELDS})
    return data


def _clinical_review(reviewer, profession, reviewed_on):
    """The clinical review keys, only when there is one: an article without one has the same
    fingerprint as before the fields existed, so no earlier import reads as an editor's edit."""
    if not (reviewer or profession or reviewed_on):
        return {}
    return {  # as the model keeps them (Article.clean), so a re-import is unchanged
        "clinical_reviewer": one_line(reviewer),
        "clinical_reviewer_profession": one_line(profession),
        "clinically_reviewed_on": reviewed_on,
    }


def fingerprint(fields):
    encoded = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


# --- Reading files ----------------------------------------------------------------------------


def _require(meta, key, path):
    value = meta.get(key)
    if value in (None, ""):
        raise ContentError(f"{path.name}: front matter has no '{key}'")
    return value


def read_category(path):
    post = _load(path)
    meta = post.metadata
    return {
        "name": _text(_require(meta, "name", path)),
        "slug": str(_require(meta, "slug", path)),
        "position": int(meta.get("position") or 0),
        "is_cause": bool(meta.get("is_cause", True)),
        "summary": _text(post.content),
    }


def read_tag(path):
    meta = _load(path).metadata
    return {
        "name": _text(_require(meta, "name", path)),
        "slug": str(_require(meta, "slug", path)),
        "aliases": list(dict.fromkeys(_slugs(meta.get("aliases")))),
    }


def read_article(path):
    post = _load(path)
    meta = post.metadata
    try:
        data = {
            "title": _text(_require(meta, "title", path)),
            "slug": str(_require(meta, "slug", path)),
            "category": str(_require(meta, "category", path)),
            "status": str(meta.get("status") or Article.Status.DRAFT),
            "published_at": _iso(meta.get("published_at")),
            "reviewed_by": _text(meta.get("reviewed_by")),
            "last_reviewed": _iso(meta.get("last_reviewed")),
            "next_review_due": _iso(meta.get("next_review_due")),
            "tags": sorted(_slugs(meta.get("tags"))),
            "related": sorted(_slugs(meta.get("related"))),
            "body": _text(post.content),
            **_clinical_review(
                _text(meta.get("clinical_reviewer")),
                _text(meta.get("clinical_reviewer_profession")),
                _iso(meta.get("clinically_reviewed_on")),
            ),
        }
    except ContentError as error:
        raise ContentError(f"{path.name}: {error}") from error
    for name in ARTICLE_TEXT_FIELDS:
        if name != "body":
            data[name] = _text(meta.get(name))
    if data["status"] not in Article.Status.values:
        raise ContentError(f"{path.name}: status must be 'draft' or 'published'")
    if data["last_reviewed"] and not data["next_review_due"]:
        last = datetime.date.fromisoformat(data["last_reviewed"])
        data["next_review_due"] = (last + datetime.timedelta(days=365)).isoformat()
    return data


def _load(path):
    try:
        return frontmatter.load(path)
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as error:
        raise ContentError(f"{path.name}: cannot read front matter: {error}") from error


# --- Writing to the database ------------------------------------------------------------------


SHIPPED = Path(__file__).resolve().parent / "content"


def source_of(root):
    root = Path(root).resolve()
    return "shipped" if root == SHIPPED else str(root)


def _baseline(fields, source):
    """What `import_hash` holds: the fields an import from `source` wrote."""
    return fingerprint({"fields": fields, "source": source})


def _decide(obj, current, wanted, source):
    """What to do with an existing object: 'unchanged', 'conflict' or 'update'."""
    if fingerprint(current) == fingerprint(wanted):
        return "unchanged"
    # Written by an import from this folder and not changed since; a fingerprint without a
    # folder is from before folders were told apart.
    if obj.import_hash not in {_baseline(current, source), fingerprint(current)}:
        return "conflict"  # changed by an editor, or written from another folder
    return "update"


def _save_simple(model, data, fields_of, report, label, source):
    """Create or update a category or tag from its file's fields."""
    obj = model.objects.select_for_update().filter(slug=data["slug"]).first()
    action = "create"
    if obj is not None:
        action = _decide(obj, fields_of(obj), data, source)
        if action == "unchanged":
            if obj.import_hash != _baseline(data, source):
                model.objects.filter(pk=obj.pk).update(import_hash=_baseline(data, source))
            report.unchanged.append(f"{label} {data['slug']}")
            return
        if action == "conflict":
            report.conflicts.append(f"{label} {data['slug']}")
            return
    else:
        obj = model()
    for key, value in data.items():
        setattr(obj, key, "\n".join(value) if key == "aliases" else value)
    try:
        obj.full_clean()
    except ValidationError as error:
        raise ContentError(f"{label} {data['slug']}: {' '.join(error.messages)}") from error
    obj.import_hash = _baseline(data, source)
    obj.save()
    (report.created if action == "create" else report.updated).append(f"{label} {data['slug']}")


def _apply_article(data, report, source):
    article = (
        Article.objects.select_for_update()
        .select_related("category")
        .filter(slug=data["slug"])
        .first()
    )
    if article is not None:
        current = article_fields(article)
        if not data["published_at"]:
            # No date in the file: the article keeps the one it got when first published
            # (saving fills it in), or every import would move it and count as a change.
            data = {**data, "published_at": current["published_at"]}
        action = _decide(article, current, data, source)
        if action == "unchanged":
            if article.import_hash != _baseline(data, source):
                Article.objects.filter(pk=article.pk).update(import_hash=_baseline(data, source))
            report.unchanged.append(f"article {data['slug']}")
            return None
        if action == "conflict":
            report.conflicts.append(f"article {data['slug']}")
            return None
    else:
        article = Article(slug=data["slug"])
        action = "create"
    try:
        article.category = Category.objects.get(slug=data["category"])
    except Category.DoesNotExist:
        raise ContentError(f"article {data['slug']}: no category '{data['category']}'") from None
    tags = list(Tag.objects.filter(slug__in=data["tags"]))
    missing = set(data["tags"]) - {tag.slug for tag in tags}
    if missing:
        raise ContentError(f"article {data['slug']}: unknown tags {sorted(missing)}")
    article.title = data["title"]
    article.status = data["status"]
    article.published_at = parse_datetime(data["published_at"]) if data["published_at"] else None
    article.reviewed_by = data["reviewed_by"]
    article.last_reviewed = parse_date(data["last_reviewed"]) if data["last_reviewed"] else None
    article.next_review_due = (
        parse_date(data["next_review_due"]) if data["next_review_due"] else None
    )
    article.clinical_reviewer = data.get("clinical_reviewer", "")
    article.clinical_reviewer_profession = data.get("clinical_reviewer_profession", "")
    reviewed_on = data.get("clinically_reviewed_on")
    article.clinically_reviewed_on = parse_date(reviewed_on) if reviewed_on else None
    for name in ARTICLE_TEXT_FIELDS:
        setattr(article, name, data[name])
    try:
        article.full_clean(exclude=["slug"])
    except ValidationError as error:
        raise ContentError(f"article {data['slug']}: {' '.join(error.messages)}") from error
    article.save()
    article.tags.set(tags)
    (report.created if action == "create" else report.updated).append(f"article {data['slug']}")
    return article


def _set_related(article, data, report, source):
    related = list(Article.objects.filter(slug__in=data["related"]).exclude(pk=article.pk))
    missing = set(data["related"]) - {other.slug for other in related}
    if missing:
        report.errors.append(
            f"article {data['slug']}: related articles not found {sorted(missing)}"
        )
    article.related.set(related)
    baseline = _baseline(article_fields(article), source)
    Article.objects.filter(pk=article.pk).update(import_hash=baseline)


def _files(folder):
    return sorted(folder.glob("*.md")) if folder.is_dir() else []


def import_dir(path, dry_run=False):
    """Import a content folder; returns a Report. With dry_run, nothing is written."""
    root = Path(path)
    if not root.is_dir():
        raise ContentError(f"{root} is not a folder")
    report, source = Report(), source_of(root)
    # One revision for the whole import, so the admin history shows what it changed.
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment(f"Imported from content files ({root.name}/)")
        for folder, model, reader, fields_of, label in [
            ("categories", Category, read_category, category_fields, "category"),
            ("tags", Tag, read_tag, tag_fields, "tag"),
        ]:
            for file in _files(root / folder):
                try:
                    with transaction.atomic():
                        _save_simple(model, reader(file), fields_of, report, label, source)
                except ContentError as error:
                    report.errors.append(str(error))
        written = []
        for file in _files(root / "articles"):
            try:
                data = read_article(file)
                with transaction.atomic():
                    article = _apply_article(data, report, source)
            except ContentError as error:
                report.errors.append(str(error))
                continue
            if article is not None:
                written.append((article, data))
        for article, data in written:
            _set_related(article, data, report, source)
        if dry_run:
            transaction.set_rollback(True)
    return report


# --- Writing files ----------------------------------------------------------------------------

FOLDERS = ["categories", "tags", "articles"]
ARTICLE_KEYS = [
    "title", "slug", "category", "summary", "tags", "related", "status", "published_at",
    "reviewed_by", "last_reviewed", "next_review_due", "clinical_reviewer",
    "clinical_reviewer_profession", "clinically_reviewed_on", "see_a_doctor", "urgent_help",
    "emergency", "sources",
]  # fmt: skip


class _Dumper(yaml.SafeDumper):
    """Front matter as people write it: multi-line text as `|` blocks, lists on one line
    (`tags: [a, b]`), times in UTC with Z."""


def _represent_text(dumper, text):
    if any(char in text for char in "\x85\u2028\u2029"):
        style = '"'  # YAML reads these as line breaks unless they are escaped in double quotes
    elif "\n" in text:
        style = "|"  # PyYAML quotes instead when a block cannot hold the text
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _represent_datetime(dumper, value):
    text = _iso(value).replace("+00:00", "Z")
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", text)


def _represent_list(dumper, items):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=True)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(datetime.datetime, _represent_datetime)


def _document(meta, body=""):
    front = yaml.dump(
        meta,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=math.inf,  # never fold a long summary across lines
    )
    text = f"---\n{front}---\n"
    return f"{text}{body}\n" if body else text


def category_file(category):
    fields = category_fields(category)
    meta = {key: fields[key] for key in ["name", "slug", "position", "is_cause"]}
    return _document(meta, fields["summary"])


def tag_file(tag):
    return _document(tag_fields(tag))


def article_file(article):
    fields = article_fields(article)
    # Dates as dates, so YAML writes them unquoted; everything else as the import compares it.
    fields.update(
        published_at=article.published_at,
        last_reviewed=article.last_reviewed,
        next_review_due=article.next_review_due,
        clinical_reviewer=_text(article.clinical_reviewer),
        clinical_reviewer_profession=_text(article.clinical_reviewer_profession),
        clinically_reviewed_on=article.clinically_reviewed_on,
    )
    return _document({key: fields[key] for key in ARTICLE_KEYS}, fields["body"])


@dataclass
class ExportReport:
    root: Path
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    others: list = field(default_factory=list)

    def lines(self):
        for label, items in [
            ("created", self.created),
            ("updated", self.updated),
            ("left alone (not in the database)", self.others),
        ]:
            for item in items:
                yield f"{label}: {item}"
        written = self.created + self.updated + self.unchanged
        counts = ", ".join(
            f"{sum(name.startswith(f'{folder}/') for name in written)} {folder}"
            for folder in FOLDERS
        )
        yield (
            f"exported {counts} to {self.root}: {len(self.created)} created, "
            f"{len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.others)} other files left alone"
        )


def export_dir(path):
    """Write every category, tag and article to a content folder; returns an ExportReport.

    Only the files for objects in the database are written; other files are left alone.
    """
    root = Path(path)
    if root.exists() and not root.is_dir():
        raise ContentError(f"{root} is not a folder")
    files = {}
    for category in Category.objects.order_by("slug"):
        files[f"categories/{category.slug}.md"] = category_file(category)
    for tag in Tag.objects.order_by("slug"):
        files[f"tags/{tag.slug}.md"] = tag_file(tag)
    articles = (
        Article.objects.select_related("category")
        .prefetch_related(
            Prefetch("tags", Tag.objects.only("slug")),
            Prefetch("related", Article.objects.only("slug")),
        )
        .order_by("slug")
    )
    for article in articles:
        files[f"articles/{article.slug}.md"] = article_file(article)
    report = ExportReport(root)
    try:
        for name, text in files.items():
            file, data = root / name, text.encode()
            if file.is_file() and file.read_bytes() == data:
                report.unchanged.append(name)
                continue
            (report.updated if file.exists() else report.created).append(name)
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(data)
    except OSError as error:
        raise ContentError(f"cannot write {error.filename or root}: {error.strerror}") from error
    for folder in FOLDERS:
        report.others += [
            f"{folder}/{file.name}"
            for file in _files(root / folder)
            if f"{folder}/{file.name}" not in files
        ]
    return report
