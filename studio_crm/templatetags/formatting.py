"""``{{ amount|money }}`` and ``{{ moment|when:"day" }}``: the one way pages write money and dates.

A builtin library (settings.TEMPLATES): every template has it without loading it.
"""

from django import template

from studio_crm import formatting

register = template.Library()


@register.filter
def money(value) -> str:
    return formatting.money(value)


@register.filter
def amount(value) -> str:
    """A figure with the language's separators and no currency sign (``1 234,5`` / ``1,234.5``)."""
    return formatting.amount_text(value)


@register.filter
def when(value, style: str = "datetime") -> str:
    return formatting.when(value, style)
