"""Staff pages, under /staff/: consented cases and their export."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.core.consent import ConsentMissing
from portal.core.principal import Principal
from portal.core.reports import reference_of
from portal.staff import service, statistics
from portal.staff.charts import chart_svg
from portal.staff.delivery import stream_export
from portal.staff.forms import NOT_CONSENTED, ExportForm
from portal.staff.passphrases import is_generated, new_zip_passphrase
from portal.staff.plan import CaseNotFound, ExportPlan
from portal.staff.statistics_formats import to_csv
from portal.store.models import Role
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
        table.key: Markup(chart_svg(table))  # noqa: S704  # nosec B704
        for table in stats.tables
    }
    return render_template("staff/statistics.html", stats=stats, charts=charts)


@bp.get("/statistics.csv")
@staff_only
def statistics_csv(principal: Principal) -> Response:
    """The same statistics as a CSV download."""
    stats = statistics.audited(db(), principal, "statistics downloaded")
    response = Response(to_csv(stats), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="statistics.csv"'
    return response


@bp.route("/case/<report_id>/export", methods=["GET", "POST"])
@staff_only
def export(principal: Principal, report_id: str) -> Response | str:
    """Export one case: checked and audited first, then streamed as it is written."""
    try:
        report = service.exportable_case(db(), report_id)
    except CaseNotFound:
        abort(404)
    form = ExportForm()
    form.purpose.choices = service.purpose_choices(report)
    if len(form.purpose.choices) == 1 and not form.is_submitted():
        form.purpose.data = form.purpose.choices[0][0]  # the one she consents to
    if not form.validate_on_submit():
        return _export_page(form, report_id)
    purpose, leave_out_damaged = form.purpose.data or "", form.leave_out_damaged.data
    try:
        plan = service.prepare_export(db(), principal, [report_id], purpose, leave_out_damaged)
    except ConsentMissing:
        form.purpose.errors = [NOT_CONSENTED]
        return _export_page(form, report_id)
    except service.NeedsConfirmation as damaged:
        confirm = not isinstance(damaged, service.NothingToExport)
        return _export_page(form, report_id, damaged.plan.problems, confirm)
    return _download(principal, plan, form, report_id)


def _download(principal: Principal, plan: ExportPlan, form: ExportForm, report_id: str) -> Response:
    """The bundle as a download, written while it streams out."""
    store = current_app.extensions["store"]
    recipient = form.age_recipient.data or None
    chunks = stream_export(store, principal, plan, form.passphrase(), recipient)
    name = service.bundle_name(f"case-{reference_of(report_id)}", plan.purpose, bool(recipient))
    response = Response(chunks, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
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
