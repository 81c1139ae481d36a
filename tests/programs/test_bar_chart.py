"""The SVG bar chart tag: bars scale to the largest value and every value is in the data table."""

from decimal import Decimal

from django.template import Context, Template


def render(rows, title="Ratings", unit=""):
    template = Template('{% load charts %}{% bar_chart rows title unit "c1" %}')
    return template.render(Context({"rows": rows, "title": title, "unit": unit}))


def test_tallest_bar_is_the_largest_value_and_others_scale():
    html = render([("1", 2), ("2", 4), ("3", 0)])
    assert 'height="180.0"' in html  # the largest value fills the bars' area
    assert 'height="90.0"' in html  # half of it, half the height
    assert 'height="0.0"' in html


def test_values_and_labels_are_in_an_accessible_table():
    html = render([("March", Decimal("12.50")), ("April", Decimal("7.25"))], unit="EUR")
    assert "<caption>Ratings</caption>" in html
    assert '<th scope="row">March</th><td>12.50</td>' in html
    assert "Value (EUR)" in html
    assert 'role="img"' in html


def test_empty_and_negative_rows_render_without_error():
    assert "<svg" in render([])
    html = render([("Refund", Decimal("-5.00")), ("Award", Decimal("5.00"))])
    assert 'height="0.0"' in html and "-5.00" in html
