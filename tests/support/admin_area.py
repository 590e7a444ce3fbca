"""A Playwright browser signed in to the admin area as someone on the roster."""

from __future__ import annotations

from .staff import SECRETS


def sign_in_admin_area(page, base_url: str, user: str, next_page: str = "/admin/hall", base: str = "") -> None:
    """POST `/admin/login` with a roster id and password from the page's own context, which keeps
    the session cookie (as the sign-in form does; the form's own test is the lead's).

    BASE: the hall's base in a deployment of many (`/h/mpp-kota`); BASE_URL stays the origin."""
    response = page.request.post(
        f"{base_url}{base}/admin/login",
        form={"user": user, "token": SECRETS[user], "next": next_page},
        headers={"Origin": base_url},
        max_redirects=0,
    )
    assert response.status == 303, (response.status, response.text()[:300])
