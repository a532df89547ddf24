"""OAuth 2.0 as an app's own connection communication says it (Make's custom-app format):
the `authorize`, `token`, `info` and `refresh` steps, instead of the standard code flow with
static URLs (engine.connections.oauth).

`authorize` is not a request: its URL and query string are where the user's browser goes,
with `{{oauth.redirectUri}}` (Scenarist's loopback redirect, also as `localRedirectUri` and
`makeRedirectUri`) and `{{oauth.scope}}`; its `response.temp` reads the redirect's query
(`{{query.code}}`). A `state` parameter is added unless the step sets one, and checked.
`token` (then `info`, when present) run as requests; their `response.data` is what the
connection keeps (`accessToken`, `refreshToken`, `expires`, ... as the app names them),
`response.metadata.value` names the account. `refresh` runs with `data` = what the connection
keeps (its `condition` may decide it is not due) and its `response.data` is merged in.
`preauthorize` runs first, when the app has it (a request token, say): what its
`response.temp` keeps is `temp` to the authorize step. `invalidate` (revoking the tokens at
the provider) runs when the connection is deleted, best effort.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.apps.communication import Context, browser_url, execute
from engine.apps.components import functions_of
from engine.connections.oauth import DEFAULT_TIMEOUT_S, LoopbackReceiver, OAuthError
from engine.errors import ModuleError

if TYPE_CHECKING:
    from engine.apps.declaration import App, ConnectionDecl
    from engine.context import RunServices

STEPS = ("authorize", "token")


def own_flow(decl: ConnectionDecl | None) -> dict[str, Any] | None:
    """The app's OAuth communication when it has its own authorize and token steps."""
    communication = decl.communication if decl is not None else None
    if isinstance(communication, dict) and all(
            isinstance(communication.get(step), dict) for step in STEPS):
        return communication
    return None


@dataclass
class AppTokens:
    data: dict[str, Any] = field(default_factory=dict)  # what the connection keeps
    label: str | None = None


def _context(app: App, decl: ConnectionDecl, run: RunServices, values: dict[str, Any],
             data: dict[str, Any] | None = None, base_url_override: str | None = None,
             **extra: Any) -> Context:
    # The connection's base URL override moves the steps' URLs on the app's base URL too
    # (a self-hosted service, or a local fake), as it moves the modules' requests.
    ctx = Context(run=run, base=app.base, parameters=dict(values),
                  connection={**values, **(data or {})}, common={**app.common, **decl.common},
                  data=dict(data or {}), functions=functions_of(app), extra=extra,
                  base_url_override=base_url_override)
    ctx.use_base = False  # connection requests do not inherit base (as the check's)
    return ctx


def _scopes(values: dict[str, Any]) -> list[str]:
    scope = values.get("scope")
    if isinstance(scope, list):
        return [str(s) for s in scope]
    return str(scope).split() if scope else []


async def authorize(app: App, decl: ConnectionDecl, values: dict[str, Any],
                    open_browser: Callable[[str], Any], run: RunServices, *,
                    timeout: float = DEFAULT_TIMEOUT_S, port: int = 0,
                    base_url_override: str | None = None) -> AppTokens:
    """The whole flow: browser to the app's authorize URL, loopback redirect, token, info."""
    import asyncio

    flow = own_flow(decl)
    if flow is None:
        raise OAuthError(f"app {app.name}'s connection {decl.name} has no authorize and token"
                         " steps of its own")
    state = secrets.token_urlsafe(24)
    with LoopbackReceiver(port) as receiver:
        oauth = {"redirectUri": receiver.redirect_uri, "localRedirectUri": receiver.redirect_uri,
                 "makeRedirectUri": receiver.redirect_uri, "scope": _scopes(values)}
        ctx = _context(app, decl, run, values, base_url_override=base_url_override,
                       oauth=oauth)
        step = flow["authorize"]
        try:
            if isinstance(flow.get("preauthorize"), dict):
                await execute(flow["preauthorize"], ctx)  # its response.temp: `temp`
            url = browser_url(step, ctx, state=state)
        except ModuleError as exc:
            raise OAuthError(f"the app's authorize step: {exc.message}") from None
        sent_state = "state=" + state in url
        opened = open_browser(url)
        if asyncio.iscoroutine(opened):
            await opened
        query = await receiver.wait(timeout)
    if sent_state and query.get("state") != state:
        raise OAuthError("the authorization answered with another state (a forged redirect?)")
    if "error" in query:
        detail = query.get("error_description")
        raise OAuthError(f"the provider refused: {query['error']}"
                         + (f" ({detail})" if detail else ""))
    ctx.extra["query"] = query
    response = step.get("response") if isinstance(step.get("response"), dict) else {}
    try:
        if "temp" in response:
            temp = ctx.evaluate(response["temp"])
            if isinstance(temp, dict):
                ctx.temp.update(temp)
        token = await execute(flow["token"], ctx)
        data = dict(token.data or {})
        label = _label(token.metadata)
        if isinstance(flow.get("info"), dict):
            ctx.connection = {**values, **data}
            ctx.data = dict(data)
            info = await execute(flow["info"], ctx)
            data.update(info.data or {})
            label = _label(info.metadata) or label
    except ModuleError as exc:
        raise OAuthError(f"the app's token exchange failed: {exc.message}") from None
    if not data:
        raise OAuthError("the app's token step kept nothing (its response.data is empty)")
    return AppTokens(data, label)


async def refresh(app: App, decl: ConnectionDecl, values: dict[str, Any],
                  data: dict[str, Any], run: RunServices, *,
                  base_url_override: str | None = None) -> dict[str, Any]:
    """What the connection keeps after the app's refresh step (unchanged when the app has
    none, or its condition says it is not due)."""
    flow = own_flow(decl)
    if flow is None or not isinstance(flow.get("refresh"), dict):
        return dict(data)
    ctx = _context(app, decl, run, values, data, base_url_override)
    try:
        result = await execute(flow["refresh"], ctx)
    except ModuleError as exc:
        raise OAuthError(f"the app's token refresh failed: {exc.message}") from None
    return {**data, **(result.data or {})}


async def invalidate(app: App, decl: ConnectionDecl, values: dict[str, Any],
                     data: dict[str, Any], run: RunServices, *,
                     base_url_override: str | None = None) -> bool:
    """Revoke the connection's tokens with the app's invalidate step; False when it has
    none. A failure is the caller's to report (the connection goes anyway)."""
    flow = own_flow(decl)
    if flow is None or not isinstance(flow.get("invalidate"), dict):
        return False
    ctx = _context(app, decl, run, values, data, base_url_override)
    try:
        await execute(flow["invalidate"], ctx)
    except ModuleError as exc:
        raise OAuthError(f"the app's invalidate step failed: {exc.message}") from None
    return True


def _label(metadata: Any) -> str | None:
    if isinstance(metadata, dict) and metadata.get("value"):
        return str(metadata["value"])
    return None
