"""Browser test (e2e, Chromium): add an image to a collection and find it through the gallery's filter;
publish an approved template, start from it with the Generate form filled, and find the template and its
version on the image's details. axe-core checks every new page. Over ASGI:
tests/integration/web/test_collections.py, test_templates.py and test_template_origin.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.axe import check_page
from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import generate, signin

pytestmark = pytest.mark.e2e


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def test_add_an_image_to_a_collection_and_filter_the_gallery_by_it(page: Page, web: WebServer) -> None:
    email, password = web.new_user("creator")
    signin.sign_in(page, email, password)
    generate.prompt(page).fill("A lighthouse on a rocky coast, flat illustration")
    page.get_by_label("Size").select_option("256x256")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Your image")).to_be_visible()

    nav(page, "Collections")
    check_page(page, "collections")
    page.get_by_label("Name").fill("Launch board")
    page.get_by_role("button", name="Create collection").click()
    expect(page.get_by_role("heading", name="Launch board")).to_be_visible()
    check_page(page, "collection-empty")

    nav(page, "Gallery")
    page.get_by_role("link", name="Image 1 from").first.click()
    page.get_by_label("Collection").select_option(label="Launch board")
    page.get_by_role("button", name="Add to collection").click()
    expect(page.get_by_role("link", name="Launch board")).to_be_visible()
    check_page(page, "image-organise")

    nav(page, "Gallery")
    page.get_by_label("Collection").select_option(label="Launch board")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Image 1 from")).to_have_count(1)
    check_page(page, "gallery-by-collection")
    page.get_by_role("link", name="Your collections").click()
    page.get_by_role("link", name="Launch board").click()
    expect(page.get_by_role("img", name="Image 1 in Launch board")).to_be_visible()
    check_page(page, "collection")


def test_publish_a_template_and_start_from_it(page: Page, web: WebServer) -> None:
    email, password = web.new_user("brand")
    signin.sign_in(page, email, password)
    signin.enrol_totp(page)
    nav(page, "Templates")
    page.get_by_role("link", name="Publish or retire templates").click()
    page.get_by_label("Name", exact=True).fill("Team slide")
    page.get_by_label("Template text").fill("A {style} picture of {subject}")
    page.get_by_label("Variables").fill("style: choice: watercolour | flat vector\nsubject: text")
    page.get_by_label("Style", exact=True).fill("calm colours")
    page.get_by_label("Size").select_option("Social square")
    page.get_by_label("Model").select_option("limner-local")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The template was published.")).to_be_visible()
    check_page(page, "templates-manage")

    page.get_by_role("link", name="All templates").click()
    check_page(page, "templates")
    page.get_by_label("Style").select_option("flat vector")
    page.get_by_label("Subject").fill("a lighthouse")
    page.get_by_role("button", name="Start from Team slide").click()
    expect(generate.prompt(page)).to_have_value("A flat vector picture of a lighthouse, calm colours")
    expect(page.get_by_label("Size")).to_have_value("1024x1024")
    expect(page.get_by_text("Started from the template “Team slide” (version 1)")).to_be_visible()
    check_page(page, "generate-from-template")

    page.get_by_label("Size").select_option("256x256")  # anything may change; the version is still recorded
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Your image")).to_be_visible()
    expect(page.get_by_text("Started from the template “Team slide” (version 1)")).to_be_visible()
    nav(page, "Gallery")
    page.get_by_role("link", name="Image 1 from").first.click()
    origin = page.locator(".summary-row", has=page.get_by_text("Template", exact=True)).locator("dd")
    expect(origin).to_have_text("From template Team slide, version 1")
    expect(origin.get_by_role("link", name="Team slide")).to_have_attribute(
        "href", re.compile(r"^/templates#t-")
    )
    check_page(page, "image-from-template")
