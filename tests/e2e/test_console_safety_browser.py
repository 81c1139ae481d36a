"""In headless Chromium: the kill switch's typed confirmation, and tables that fit — no table
overflows the viewport on a phone (390 px) and none clips its columns at 1366 px."""

import datetime
import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from staff_sign_in import landed

from accessprogram.access.models import AccessBlock, ApiToken
from accessprogram.access.revocation import block_access
from accessprogram.access.services import revoke_token
from accessprogram.audit.services import record
from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.services import award
from accessprogram.programs.invitations import invite
from accessprogram.programs.models import Cohort, Membership, Program
from factories import GenerationFactory, MembershipFactory, UserFactory, token_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LONG = "a-rather-long-address-that-could-widen-a-table-cell"


@pytest.fixture
def demo(transactional_db):
    """The demo program (`manage.py seed_demo`) with blocks, long names, tokens and jobs."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    program = Program.objects.get()
    wave = Cohort.objects.create(program=program, name="Wave 1 (press and early partners)")
    for n in range(6):
        member = MembershipFactory(
            program=program,
            cohort=wave if n % 2 else None,
            user=UserFactory(username=f"long{n}", email=f"{LONG}-{n}@example-studio.com"),
        )
        token_for(member, f"Laptop token number {n} for the studio")
        GenerationFactory(tester=member.user, program=program)
        if n == 1:
            ends = timezone.now() + datetime.timedelta(days=3)
            block_access(
                target=member,
                kind="suspension",
                reason="Bursts of requests from three networks at once; looking into it",
                ends_at=ends,
            )
        if n == 2:
            block_access(target=member, kind="revocation", reason="Posted the token publicly")
    revoke_token(token=ApiToken.objects.filter(name__startswith="Laptop").first(), reason="lost")
    for n, member in enumerate(Membership.objects.filter(program=program, role="tester")):
        award(
            membership=member,
            kind=LedgerEntry.Kind.LICENCE_FEE,
            amount=Decimal("1250.00"),
            currency="EUR",
            idempotency_key=f"browser-test-{n}",
            memo="Licence fee for the harbour film used in the launch video" * 2,
        )
    for n in range(3):
        invite(program=program, email=f"{LONG}-invited-{n}@example-studio.com", cohort=wave)
    record(action="test.long_detail", target=program, program=program.slug, note=LONG * 3)
    return program


def admin_of(program):
    return Membership.objects.get(program=program, role=Membership.Role.ADMIN).user


def test_the_kill_switch_needs_the_program_name_typed(live_server, page, sign_in, demo):
    admin = admin_of(demo)
    sign_in(admin, "admin-demo-pass")
    page.goto(f"{live_server.url}/console/programs/{demo.slug}/")
    page.get_by_test_id("kill-switch-link").click()
    expect(page.get_by_test_id("impact")).to_contain_text("Pauses")

    page.get_by_label("Reason").fill("A token leaked in a public demo")
    page.get_by_label("Type the program's name to confirm").fill(demo.name + " please")
    page.get_by_test_id("confirm-kill-switch").click()
    expect(page.get_by_role("alert").first).to_contain_text("That does not match")
    assert not AccessBlock.objects.filter(level="program").exists()

    page.get_by_label("Type the program's name to confirm").fill(demo.name)
    page.get_by_test_id("confirm-kill-switch").click()
    expect(page.get_by_test_id("program-paused")).to_be_visible()
    assert AccessBlock.objects.filter(level="program", kind="suspension").exists()


CONSOLE_PAGES = [
    "/console/",
    "/console/programs/{slug}/",
    "/console/programs/{slug}/kill-switch",
    "/console/programs/{slug}/settings",
    "/console/programs/{slug}/invitations/",
    "/console/programs/{slug}/applications/",
    "/console/programs/{slug}/agreements/",
    "/console/programs/{slug}/health/",
    "/console/appeals/",
    "/console/audit/",
    "/console/leaks/",
    "/console/review/",
    "/console/review/trace/",
    "/console/feedback/",
    "/console/feedback/{slug}/",
    "/console/feedback/{slug}/bugs/",
    "/console/feedback/{slug}/board/",
    "/console/finance/",
    "/console/finance/{slug}/",
    "/console/finance/{slug}/rate-cards/",
    "/console/finance/{slug}/time-logs/",
    "/console/finance/{slug}/periods/",
    "/console/finance/{slug}/ledger/",
]
PORTAL_PAGES = [
    "/",
    "/tokens/",
    "/feedback/",
    "/earnings/",
    "/review/mine/",
    "/account/",
    "/notices/",
    "/feedback/board/",
    "/feedback/releases/",
    "/webhooks/",
    "/s/no-such-share-token/",  # the styled 404
]

OVERFLOW = """() => {
  const width = window.innerWidth;
  const tables = Array.from(document.querySelectorAll("table")).map((table) => {
    const box = table.getBoundingClientRect();
    const scroller = table.closest(".table-scroll");
    return {
      right: Math.round(box.right), left: Math.round(box.left),
      hidden: scroller ? scroller.scrollWidth - scroller.clientWidth : 0,
      head: (table.querySelector("th") || {}).textContent || "",
    };
  });
  return {width, page: document.scrollingElement.scrollWidth, tables};
}"""


def overflow_problems(page, url: str, *, navigate: bool = True) -> list[str]:
    if navigate:
        page.goto(url)
    found = page.evaluate(OVERFLOW)
    if shots := os.environ.get("SCREENSHOT_DIR"):  # to look at the pages by eye
        name = url.split("//", 1)[1].split("/", 1)[1].strip("/").replace("/", "_") or "home"
        page.screenshot(path=f"{shots}/{found['width']}-{name}.png")
        for number, table in enumerate(page.locator("table").all()[:3]):
            table.screenshot(path=f"{shots}/{found['width']}-{name}-table{number}.png")
    problems = []
    if found["page"] > found["width"]:
        problems.append(f"{url}: the page is {found['page']} px wide in {found['width']} px")
    for table in found["tables"]:
        if table["right"] > found["width"] or table["left"] < 0:
            problems.append(f"{url}: table '{table['head'].strip()}' spans {table}")
        if table["hidden"] > 1:
            problems.append(f"{url}: table '{table['head'].strip()}' hides {table['hidden']} px")
    return problems


BAD_CSV = (  # name, email, cohort: both rows refused, with their reasons in the last column
    f"{LONG},not-an-address,Wave 1 (press and early partners)\n"
    f"Someone,{LONG}@example-studio.com,No such cohort anywhere in this program\n"
)


def csv_preview_problems(page, program_url: str) -> list[str]:
    """The invitation CSV preview with its errors column: a POST's answer, checked in place."""
    page.goto(f"{program_url}/invitations/")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "testers.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}]
    )
    page.get_by_role("button", name="Preview").click()
    page.get_by_test_id("csv-preview").wait_for()
    return overflow_problems(page, page.url, navigate=False)


@pytest.mark.parametrize("width", [390, 1366])
def test_no_table_overflows_the_viewport(live_server, browser, demo, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        admin = admin_of(demo)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_login", admin.username)
        page.fill("#id_password", "admin-demo-pass")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(landed)
        problems = []
        for path in CONSOLE_PAGES:
            problems += overflow_problems(page, live_server.url + path.format(slug=demo.slug))
        member = Membership.objects.filter(program=demo, user__username="long1").get()
        problems += overflow_problems(
            page, f"{live_server.url}/console/programs/{demo.slug}/members/{member.pk}/"
        )
        problems += overflow_problems(
            page, f"{live_server.url}/console/programs/{demo.slug}/revoke/membership/{member.pk}"
        )
        problems += csv_preview_problems(page, f"{live_server.url}/console/programs/{demo.slug}")
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_login", "artist")
        page.fill("#id_password", "artist-demo-pass")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(landed)
        for path in PORTAL_PAGES:
            problems += overflow_problems(page, live_server.url + path)
        assert not problems, "\n".join(problems)
    finally:
        context.close()
