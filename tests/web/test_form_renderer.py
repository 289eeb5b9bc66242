"""Form widgets render through Jinja2 where Django ships a Jinja2 template (every built-in
widget), through the Django engine otherwise (the admin's), to the same HTML either way (but for blank lines between options)."""

import re

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.backends.jinja2 import Template as Jinja2Template

from core.forms_renderer import FormRenderer
from web.forms import QueueFilterForm


def test_built_in_widgets_render_through_jinja2():
    renderer = get_default_renderer()
    assert isinstance(renderer, FormRenderer)
    assert isinstance(renderer.get_template("django/forms/widgets/select.html"), Jinja2Template)


def _spaced(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_the_queue_filter_renders_the_same_html_as_with_the_django_engine():
    data = {"q": "<script>", "state": "new", "assignee": "-", "created_from": "2026-01-02"}
    form = QueueFilterForm(data, assignees=["ann", "bob"], detectors=[(1, "a&b")])
    ours = {name: _spaced(form[name].as_widget()) for name in form.fields}
    form.renderer = DjangoTemplates()
    theirs = {name: _spaced(form[name].as_widget()) for name in form.fields}
    assert ours == theirs
    assert "&lt;script&gt;" in ours["q"] and "a&amp;b" in ours["detector"]


def test_a_widget_without_a_jinja2_template_falls_back_to_the_django_engine():
    class Dated(forms.Form):
        day = forms.DateField(widget=AdminDateWidget)

    html = Dated(renderer=FormRenderer())["day"].as_widget()
    assert 'class="vDateField"' in html
