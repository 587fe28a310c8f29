"""Charity pages: four personas on every console page (own and ancestor see it, outsider and sibling
get 404 or an empty list), forms that write through the actions (bad input: field errors, nothing
written), the public pages without login (figures equal to the ledger to the fen), the portal."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gonghui.charity import actions, actions_grants, actions_wishes, queries
from gonghui.charity.models import Donation, FundLedger, Grant
from gonghui.charity.models_wishes import Wish
from gonghui.charity.tests.helpers import donate, make_campaign, make_round, post_wish, propose_grant
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, fund, cp, checker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    campaign = make_campaign(fund, ratio="1", cap="100")
    donation = donate(campaign, "300.00", external_ref="REF-1")
    actions.do_issue_receipt(acting_user=cp.own, donation=donation)
    grant = propose_grant(fund, user=cp.own, amount="50.00")
    member = make_member(tree.grassroots)
    wish = post_wish(make_round(tree.district), member)
    volunteer = actions_wishes.do_register_volunteer(
        acting_user=cp.own, org=tree.district, name="李四", mobile="13912345678"
    )
    activity = actions_wishes.do_create_activity(acting_user=cp.own, org=tree.district, title="送达", on="2026-01-05")
    return {
        "campaign": campaign,
        "donation": donation,
        "grant": grant,
        "wish": wish,
        "volunteer": volunteer,
        "activity": activity,
        "member": member,
    }


def detail_urls(tree, fund, w):
    return [
        f"/charity/funds/{fund.pk}/",
        f"/charity/campaigns/{w['campaign'].pk}/",
        f"/charity/campaigns/{w['campaign'].pk}/donations/new/",
        f"/charity/campaigns/{w['campaign'].pk}/import/",
        f"/charity/donations/{w['donation'].pk}/",
        f"/charity/donations/{w['donation'].pk}/receipt/",
        f"/charity/donations/{w['donation'].pk}/refund/",
        f"/charity/grants/{w['grant'].pk}/",
        f"/charity/wishes/{w['wish'].pk}/",
        f"/charity/wishes/{w['wish'].pk}/review/",
        f"/charity/volunteers/{w['volunteer'].pk}/",
        f"/charity/activities/{w['activity'].pk}/",
        f"/charity/stats/{tree.district.code}/",
        f"/charity/stats/{tree.district.code}/export/",
        f"/charity/funds/{fund.pk}/grants/new/",
    ]


def test_every_detail_page_answers_own_and_ancestor_and_hides_from_the_others(tree, fund, cp, world, client_for):
    for url in detail_urls(tree, fund, world):
        for name, user in cp.allowed():
            response = client_for(user).get(url)
            assert response.status_code == 200, (name, url, response.status_code)
        for name, user in cp.refused():
            response = client_for(user).get(url)
            assert response.status_code == 404, (name, url, response.status_code)


def test_the_lists_show_only_the_scope(tree, fund, cp, world, client_for, django_assert_max_num_queries):
    lists = ["/charity/", "/charity/donations/", "/charity/grants/", "/charity/wishes/", "/charity/volunteers/"]
    markers = ["深工有爱", "爱心人士", "职工子女暑期学习室", "一副防寒手套", "李四"]
    for url, marker in zip(lists, markers, strict=True):
        for _name, user in cp.allowed():
            client = client_for(user)
            client.get(url)
            with django_assert_max_num_queries(16):
                body = client.get(url).content.decode()
            assert marker in body, (url, marker)
        for _name, user in cp.refused():
            assert marker not in client_for(user).get(url).content.decode(), url


def test_anonymous_staff_pages_redirect_to_login(world):
    assert Client().get("/charity/donations/").status_code == 302


def test_donation_search_finds_by_reference_and_receipt(cp, world, client_for):
    client = client_for(cp.own)
    assert "爱心人士" in client.get("/charity/donations/?q=REF-1").content.decode()
    serial = Donation.objects.get().receipt_serial
    assert "爱心人士" in client.get(f"/charity/donations/?q={serial}").content.decode()
    assert "爱心人士" not in client.get("/charity/donations/?q=nobody").content.decode()


def test_the_donation_form_books_and_bad_input_books_nothing(cp, world, client_for):
    client = client_for(cp.own)
    url = f"/charity/campaigns/{world['campaign'].pk}/donations/new/"
    before = FundLedger.objects.count()
    response = client.post(url, {"amount": "-1", "donor_kind": "company", "channel": "bank"})
    assert response.status_code == 200 and "金额" in response.content.decode()
    assert FundLedger.objects.count() == before
    response = client.post(url, {"amount": "12.50", "donor_kind": "company", "donor_name": "某公司", "channel": "bank"})
    assert response.status_code == 302
    assert Donation.objects.filter(donor_name="某公司", amount=Decimal("12.50")).exists()


def test_the_upload_page_imports_a_statement(cp, world, client_for):
    client = client_for(cp.own)
    text = (
        "订单号,捐赠时间,金额,捐赠人昵称,状态,退款金额\n"
        "W1,2026-09-07 10:00,8.80,网友,支付成功,\n"
        "W2,2026-09-07 10:00,x,网友,支付成功,\n"
    )
    upload = SimpleUploadedFile("s.csv", text.encode(), content_type="text/csv")
    response = client.post(f"/charity/campaigns/{world['campaign'].pk}/import/", {"file": upload})
    body = response.content.decode()
    assert response.status_code == 200 and "金额格式不正确" in body and 'id="created">1<' in body
    assert Donation.objects.filter(external_ref="W1").exists()


def test_grant_approval_through_the_pages_refuses_the_maker(cp, checker, world, client_for):
    grant = world["grant"]
    response = client_for(cp.own).post(f"/charity/grants/{grant.pk}/approve/", {"note": "自己批"})
    assert response.status_code == 200 and "双人复核" in response.content.decode()
    response = client_for(checker).post(f"/charity/grants/{grant.pk}/approve/", {"note": "同意"})
    assert response.status_code == 302 and Grant.objects.get(pk=grant.pk).status == "approved"
    response = client_for(checker).post(f"/charity/funds/{grant.fund_id}/bank-file/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_wish_review_and_claim_pages(cp, world, client_for):
    wish = world["wish"]
    response = client_for(cp.own).post(f"/charity/wishes/{wish.pk}/review/", {"decision": "reject", "note": ""})
    assert response.status_code == 200 and Wish.objects.get(pk=wish.pk).status == "submitted"
    client_for(cp.own).post(f"/charity/wishes/{wish.pk}/review/", {"decision": "approve"})
    assert Wish.objects.get(pk=wish.pk).status == "published"
    response = client_for(cp.sibling).post(f"/charity/wishes/{wish.pk}/claim/", {"claimant_kind": "company"})
    assert response.status_code == 200 and Wish.objects.get(pk=wish.pk).status == "published"
    client_for(cp.sibling).post(
        f"/charity/wishes/{wish.pk}/claim/", {"claimant_kind": "company", "claimant_name": "某企业"}
    )
    assert Wish.objects.get(pk=wish.pk).claimant_name == "某企业"
    photo = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png")
    assert client_for(cp.outsider).post(f"/charity/wishes/{wish.pk}/fulfil/", {"proof": photo}).status_code == 404
    photo.seek(0)
    response = client_for(cp.sibling).post(f"/charity/wishes/{wish.pk}/fulfil/", {"proof": photo})
    assert response.status_code == 302 and Wish.objects.get(pk=wish.pk).status == "fulfilled"


def test_public_pages_need_no_login_and_reconcile_with_the_ledger_to_the_fen(fund, cp, checker, world):
    campaign = world["campaign"]
    donate(campaign, "0.01")
    actions.do_refund_donation(acting_user=cp.own, donation=world["donation"], amount="100.33", reason="退款")
    actions_grants.do_approve_grant(acting_user=checker, grant=world["grant"])
    public = Client()
    body = public.get(f"/gongyi/campaigns/{campaign.pk}/").content.decode()
    truth = queries.campaign_ledger_figures(campaign)
    assert f'id="raised">¥{truth["raised"]}<' in body and truth["raised"] == Decimal("199.68")
    assert f'id="matched">¥{truth["matched"]}<' in body
    assert f'id="donors">{truth["donors"]}<' in body
    body = public.get(f"/gongyi/funds/{fund.code}/").content.decode()
    ledger = queries.fund_ledger_figures(fund)
    rows = list(FundLedger.objects.filter(fund=fund).values_list("amount", flat=True))
    assert ledger["balance"] == sum(rows)
    for key in ("donated", "granted", "balance"):
        assert f"¥{ledger[key]}<" in body, key
    months = queries.monthly_summary(fund)
    assert sum(m["net"] for m in months) == sum(rows)
    assert "职工子女暑期学习室" in body  # the project grant, by its public label only
    assert public.get("/gongyi/wishes/").status_code == 200


def test_the_public_wall_shows_no_name_and_no_employer(cp, world):
    wish = actions_wishes.do_review_wish(acting_user=cp.own, wish=world["wish"], approve=True)
    body = Client().get("/gongyi/wishes/").content.decode()
    person = world["member"].person
    assert wish.title in body and wish.age_band in body
    assert person.name not in body and world["member"].org.name not in body


def test_a_draft_campaign_has_no_public_page(fund):
    draft = make_campaign(fund, open_=False, name="草稿")
    assert Client().get(f"/gongyi/campaigns/{draft.pk}/").status_code == 404
    assert Client().get("/gongyi/funds/nope/").status_code == 404
