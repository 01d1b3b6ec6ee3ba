"""Staff pages, under /staff/: consented cases and their export."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.core.principal import Principal
from portal.core.reports import reference_of
from portal.staff import service, statistics
from portal.staff.forms import ExportForm
from portal.staff.passphrases import is_generated, new_zip_passphrase
from portal.store import Store
from portal.store.models import Report, Role
from portal.web.auth import signed_in
from portal.web.database import db
from portal.web.signin import add_sign_in

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")
add_sign_in(bp)
staff_only = signed_in(Role.STAFF)


@bp.get("/")
@staff_only
def index(principal: Principal) -> str:
    """Cases whose survivor consented to at least one kind of export, and which kinds."""
    return render_template(
        "staff/index.html", principal=principal, cases=service.consented_cases(db())
    )


@bp.get("/statistics")
@staff_only
def statistics_page(principal: Principal) -> str:
    """Anonymised counts of consented reports, with charts; small numbers suppressed."""
    stats = statistics.audited(db(), principal, "statistics viewed")
    charts = {
        # Safe: chart_svg builds the SVG with ElementTree, escaping every text and attribute.
        table.key: Markup(statistics.chart_svg(table))  # noqa: S704  # nosec B704
        for table in stats.tables
    }
    return render_template("staff/statistics.html", stats=stats, charts=charts)


@bp.get("/statistics.csv")
@staff_only
def statistics_csv(principal: Principal) -> Response:
    """The same statistics as a CSV download."""
    stats = statistics.audited(db(), principal, "statistics downloaded")
    response = Response(statistics.to_csv(stats), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="statistics.csv"'
    return response


@bp.route("/case/<report_id>/export", methods=["GET", "POST"])
@staff_only
def export(principal: Principal, report_id: str) -> Response | str:
    """Export one case: checked and audited first, then streamed as it is written."""
    report = db().get(Report, report_id)
    if report is None or not (report.export_legal or report.export_iopc):
        abort(404)
    form = ExportForm()
    form.purpose.choices = service.purpose_choices(report)
    if not form.validate_on_submit():
        return _export_page(form, report_id)
    purpose = form.purpose.data or ""
    try:
        plan = service.prepare_export(
            db(), principal, [report_id], purpose, leave_out_damaged=form.leave_out_damaged.data
        )
    except service.ConsentMissing:
        form.purpose.errors = ["The survivor has not consented to this purpose."]
        return _export_page(form, report_id)
    except service.NeedsConfirmation as damaged:
        confirm = not isinstance(damaged, service.NothingToExport)
        return _export_page(form, report_id, damaged.plan.problems, confirm)
    chunks = _stream_export(
        current_app.extensions["store"],
        principal,
        plan,
        form.passphrase(),
        form.age_recipient.data or None,
    )
    extension = "zip.age" if form.age_recipient.data else "zip"
    response = Response(chunks, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="case-{reference_of(report_id)}.{extension}"'
    )
    return response


def _export_page(
    form: ExportForm, report_id: str, problems: list[str] | None = None, confirm: bool = False
) -> str:
    """The export form, with the generated passphrase it shows (a new one unless it
    came back intact: a value sent back is shown only if it has that exact shape)."""
    if not is_generated(form.generated.data or ""):
        form.generated.data = new_zip_passphrase()
    return render_template(
        "staff/export.html",
        form=form,
        reference=reference_of(report_id),
        problems=problems,
        confirm=confirm,
    )


def _stream_export(
    store: Store,
    principal: Principal,
    plan: service.ExportPlan,
    passphrase: str | None,
    recipient: str | None,
) -> Iterator[bytes]:
    """Write the prepared (already audited) bundle in a thread writing to a pipe; yield
    the encrypted bytes as they come.

    This runs after the view has returned, so it is given the store: no app context.
    """
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []

    def run() -> None:
        with os.fdopen(write_end, "wb") as out, store.session() as session:
            try:
                service.write_bundle(
                    session,
                    principal,
                    plan,
                    out,
                    zip_passphrase=passphrase,
                    age_recipient=recipient,
                )
            except BaseException as error:
                failure.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    with os.fdopen(read_end, "rb") as encrypted:
        while chunk := encrypted.read(64 * 1024):
            yield chunk
    worker.join()
    if failure:
        # Headers are gone: the download ends short, and the unfinished bundle does not open.
        raise failure[0]
