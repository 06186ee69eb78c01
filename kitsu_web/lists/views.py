"""The production lists: assets, shots, sequences and episodes.

URLs follow Kitsu: ``/productions/<pid>/shots`` and, for TV shows,
``/productions/<pid>/episodes/<eid>/shots`` (``eid`` an id, ``all`` or
``main``). The view state is entirely in the URL (``search``, ``sort``,
``page``, ``task``): reload, Back and a pasted link give the same view.
"""

import logging
from urllib.parse import urlencode

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from .. import shell, zou
from ..htmx import is_fragment_request, render
from ..zou import context as zou_context
from . import bp, cache, grid

log = logging.getLogger(__name__)

MAX_SEARCH = 500


class ListState:
    """Everything one request of a list needs, read once."""

    def __init__(self, project_id, segment, episode_id=None):
        self.caller = zou.current()
        self.context = zou_context.get_user_context(self.caller)
        self.project = shell.get_production(self.caller, project_id)
        self.project_id = project_id
        self.segment = segment
        self.family = grid.FAMILIES[segment]
        self.episode_id = episode_id
        self.role = shell.project_role(self.context, current_user,
                                       project_id)
        self.can_manage = self.role in ("admin", "manager")
        if segment not in shell.section_keys(self.project, self.role):
            abort(404)
        self.columns = grid.task_type_columns(
            self.context, self.project, self.family, self.role
        )
        self.statuses = grid.by_id(self.context.get("task_status"))
        self.persons = grid.by_id(self.context.get("persons"))
        self.is_tv = shell.is_tv(self.project)
        self.all_episodes = self.is_tv and episode_id in (None, "all")

    def snapshot(self):
        """The cached list, revalidated with Zou."""
        return cache.get_list(
            self.caller, self.family, self.project_id, self.episode_id,
            shell.role_class(self.role, current_user.id), current_user.id,
        )

    def list_path(self):
        """This list's path (without query)."""
        return list_url(self.project, self.segment, self.episode_id)


def list_url(project, segment, episode_id=None):
    """The URL of a list, under its episode for TV shows."""
    if episode_id and segment != "episodes":
        return url_for(f"lists.episode_{segment}", project_id=project["id"],
                       episode_id=episode_id)
    return url_for(f"lists.{segment}", project_id=project["id"])


def _page_arg(name="page"):
    """A positive page number from the query string (default 1)."""
    try:
        return max(1, int(request.args.get(name, 1)))
    except (TypeError, ValueError):
        return 1


def _redirect_keeping_query(url):
    """Redirect to ``url`` with this request's query string."""
    query = request.query_string.decode()
    return redirect(url + ("?" + query if query else ""), code=302)


def show_list(project_id, segment, episode_id=None):
    """Render a list page, its table fragment or one page of rows."""
    state = ListState(project_id, segment, episode_id)
    if state.is_tv and episode_id is None and segment != "episodes":
        target = shell.default_episode(state.caller, state.project, segment)
        return _redirect_keeping_query(
            list_url(state.project, segment, target)
        )
    if not state.is_tv and episode_id is not None:
        return _redirect_keeping_query(list_url(state.project, segment))
    snapshot = state.snapshot()
    search = request.args.get("search", "")[:MAX_SEARCH]
    compiled = grid.compile_search(search, state.context, state.project,
                                   state.family, state.columns, state.role)
    sort_param = request.args.get("sort", "")
    sort_key, descending = grid.parse_sort(sort_param, state.family,
                                           state.columns)
    sort_param = ("-" if descending else "") + sort_key
    if sort_param == "name":
        sort_param = ""
    ordered = grid.select(snapshot, search, compiled, sort_key, descending,
                          state.statuses)
    size = current_app.config["KITSU"].page_size
    page, pages, start, end = grid.page_bounds(len(ordered), _page_arg(),
                                               size)
    first_page = min(_page_arg("first"), page)
    path = state.list_path()
    params = {"search": search, "sort": sort_param,
              "page": page if page > 1 else None}
    builder = grid.RowBuilder(
        state.family, state.columns, state.statuses, state.persons, path,
        params, all_episodes=state.all_episodes,
    )
    more_url = None
    if page < pages:
        more_url = _with_query(
            path, search=search, sort=sort_param, page=page + 1,
            first=first_page if first_page > 1 else None, part="rows",
        )
    info = grid.info_columns(snapshot, state.family)
    context = dict(
        info=info,
        ncols=grid.column_count(info, state.columns),
        state=state,
        project=state.project,
        family=state.family,
        segment=segment,
        columns=state.columns,
        search=search,
        hints=compiled.hints,
        sort_key=sort_key,
        descending=descending,
        sort_param=sort_param,
        page_no=page,
        pages=pages,
        page_size=size,
        matched=len(ordered),
        total=len(snapshot.entries),
        shown=end - (first_page - 1) * size,
        start=start,
        more_url=more_url,
        list_path=path,
        page_url=lambda n: _with_query(path, search=search,
                                       sort=sort_param,
                                       page=n if n > 1 else None),
        sort_url=lambda key: _sort_url(path, search, sort_key, descending,
                                       key),
        row_url=lambda entity_id: _row_url(state, entity_id, params),
        can_manage=state.can_manage,
    )
    context["is_fragment"] = is_fragment_request()
    if request.args.get("part") == "rows" and context["is_fragment"]:
        context["rows"] = builder.rows(ordered, start, end,
                                       first_heading=False)
        return render("lists/_rows_page.html", **context)
    context["rows"] = builder.rows(ordered, start, end)
    if context["is_fragment"]:
        return render("lists/_table.html", **context)
    context.update(
        bar=shell.production_bar(state.caller, current_user, state.project,
                                 segment, episode_id),
        panel=_panel_context(request.args.get("task")),
        manage=_manage_context(state) if state.can_manage else None,
    )
    return render("lists/list.html", **context)


def _with_query(path, **params):
    """``path`` with the non-empty ``params`` as its query string."""
    params = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(params) if params else "")


def _sort_url(path, search, current, descending, key):
    """The list URL sorted by ``key`` (toggling the direction)."""
    value = key
    if key == current and not descending:
        value = "-" + key
    return _with_query(path, search=search,
                       sort=value if value != "name" else None)


def _row_url(state, entity_id, params):
    """The URL of one row's fragment (for live updates)."""
    if state.episode_id and state.segment != "episodes":
        url = url_for("lists.episode_row", project_id=state.project_id,
                      episode_id=state.episode_id, segment=state.segment,
                      entity_id=entity_id)
    else:
        url = url_for("lists.row", project_id=state.project_id,
                      segment=state.segment, entity_id=entity_id)
    params = {k: v for k, v in params.items() if v}
    return url + ("?" + urlencode(params) if params else "")


def _panel_context(task_id):
    """The task panel's context for ``?task=``, when that panel exists."""
    if not task_id:
        return None
    try:
        from ..tasks.panel import panel_context
    except ImportError:
        return None
    try:
        return panel_context(zou.current(), task_id)
    except zou.NotAvailable:
        return {"not_available": True}


def _manage_context(state):
    """Choices for the managers' create forms."""
    from .manage import manage_context

    return manage_context(state)


def show_row(project_id, segment, entity_id, episode_id=None):
    """One row of a list, as a fragment (live updates swap it in)."""
    state = ListState(project_id, segment, episode_id)
    snapshot = state.snapshot()
    entry = snapshot.by_id.get(entity_id)
    if entry is None:
        return make_response("", 200)
    search = request.args.get("search", "")[:MAX_SEARCH]
    params = {"search": search, "sort": request.args.get("sort", ""),
              "page": request.args.get("page", "")}
    builder = grid.RowBuilder(
        state.family, state.columns, state.statuses, state.persons,
        state.list_path(), params, all_episodes=state.all_episodes,
    )
    info = grid.info_columns(snapshot, state.family)
    response = make_response(render_template(
        "lists/_row.html",
        info=info,
        ncols=grid.column_count(info, state.columns),
        row=builder.row(entry),
        family=state.family,
        columns=state.columns,
        project=state.project,
        segment=segment,
        can_manage=state.can_manage,
        row_url=lambda eid: _row_url(state, eid, params),
        list_path=state.list_path(),
    ))
    response.vary.add("HX-Request")
    return response


# ---------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------

SEGMENT_RULE = "<any(assets, shots, sequences, episodes):segment>"


def _list_route(segment):
    def view(project_id):
        return show_list(project_id, segment)

    def episode_view(project_id, episode_id):
        return show_list(project_id, segment, episode_id)

    view.__doc__ = f"The {segment} of a production."
    episode_view.__doc__ = f"The {segment} of one episode of a TV show."
    bp.add_url_rule(f"/productions/<project_id>/{segment}", segment,
                    login_required(view))
    if segment != "episodes":
        bp.add_url_rule(
            f"/productions/<project_id>/episodes/<episode_id>/{segment}",
            f"episode_{segment}", login_required(episode_view),
        )


for _segment in ("assets", "shots", "sequences", "episodes"):
    _list_route(_segment)


@bp.get("/productions/<project_id>/episodes/<episode_id>")
@login_required
def episode_home(project_id, episode_id):
    """An episode opens on its shots."""
    return redirect(url_for("lists.episode_shots", project_id=project_id,
                            episode_id=episode_id))


@bp.get(f"/productions/<project_id>/{SEGMENT_RULE}/rows/<entity_id>")
@login_required
def row(project_id, segment, entity_id):
    """One row of a list (fragment)."""
    return show_row(project_id, segment, entity_id)


@bp.get(
    "/productions/<project_id>/episodes/<episode_id>/"
    f"{SEGMENT_RULE}/rows/<entity_id>"
)
@login_required
def episode_row(project_id, episode_id, segment, entity_id):
    """One row of an episode's list (fragment)."""
    return show_row(project_id, segment, entity_id, episode_id)
