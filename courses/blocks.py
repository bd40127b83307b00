"""StreamField blocks for lesson bodies. Every block instance has a stable id (Wagtail's block UUID),
which notes, threads and analytics anchor to."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "link", "ol", "ul", "blockquote", "code", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(choices=[("h2", "Section heading"), ("h3", "Sub-heading")], default="h2")

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["anchor"] = slugify(value["text"])
        return context


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250, help_text="Describe the image for people who cannot see it. Required for accessibility."
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(help_text="A link to a video on a supported provider (YouTube, Vimeo, Microsoft Stream…).")
    title = blocks.CharBlock(max_length=200, help_text="Used as the video's accessible name.")
    transcript = blocks.RichTextBlock(required=False, features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    title = blocks.CharBlock(max_length=200, required=False, help_text="Defaults to the document's title.")
    description = blocks.TextBlock(required=False, max_length=400)

    class Meta:
        icon = "doc-full"
        template = "blocks/document_block.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("tip", "Tip"), ("note", "Note"), ("warning", "Watch out"), ("example", "Example")], default="tip"
    )
    title = blocks.CharBlock(required=False, max_length=120)
    body = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "help"
        template = "blocks/callout_block.html"


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(
        choices=[
            ("text", "Plain text"),
            ("python", "Python"),
            ("javascript", "JavaScript"),
            ("sql", "SQL"),
            ("html", "HTML"),
            ("css", "CSS"),
            ("bash", "Shell"),
            ("json", "JSON"),
        ],
        default="text",
    )
    code = blocks.TextBlock(form_classname="monospace")
    caption = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "code"
        template = "blocks/code_block.html"


class ChoiceOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=300)
    is_correct = blocks.BooleanBlock(required=False, label="Correct answer")
    feedback = blocks.TextBlock(
        required=False, max_length=600, help_text="Shown after a learner picks this option: explain why."
    )


class KnowledgeCheckBlock(blocks.StructBlock):
    """A multiple-choice question with feedback per option. Exactly one option is correct."""

    question = blocks.CharBlock(max_length=300)
    options = blocks.ListBlock(ChoiceOptionBlock(), min_num=2, max_num=8)

    class Meta:
        icon = "tasks"
        template = "blocks/knowledge_check_block.html"

    def clean(self, value):
        value = super().clean(value)
        correct = sum(1 for option in value["options"] if option["is_correct"])
        if correct != 1:
            raise StructBlockValidationError(
                block_errors={"options": ValidationError("Mark exactly one option as the correct answer.")}
            )
        return value


class LessonBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, template="blocks/paragraph_block.html")
    heading = HeadingBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    callout = CalloutBlock()
    code = CodeBlock()
    knowledge_check = KnowledgeCheckBlock()

    class Meta:
        block_counts = {}


def option_ids(count: int) -> list[str]:
    """Stable xAPI choice ids for a knowledge check's options: a, b, c…"""
    return [chr(ord("a") + index) for index in range(count)]


__all__ = ["KnowledgeCheckBlock", "LessonBodyBlock", "option_ids"]
