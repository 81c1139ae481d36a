from django import template

from accessprogram.programs.agreement_text import render_markdown

register = template.Library()


@register.filter
def agreement_markdown(text):
    """An agreement's Markdown as sanitised HTML (programs.agreement_text)."""
    return render_markdown(text)
