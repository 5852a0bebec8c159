"""`motcua payouts`: benefit payouts through the bank, reconciled with its daily report."""

from __future__ import annotations

import sys

import click

from cli.common import get_runtime, parse_date
from engine.integration.payouts import reconcile


@click.group()
def payouts() -> None:
    """Benefit payouts through the bank."""


@payouts.command("reconcile")
@click.option("--day", required=True, help="The bank's business day, YYYY-MM-DD (office time).")
def payouts_reconcile(day) -> None:
    """Compare the transfers the bank confirmed to dossiers on DAY with the bank's daily report;
    exits 1 when they differ."""
    runtime = get_runtime()
    with runtime.db.read() as session:
        result = reconcile(session, runtime.settings, parse_date(day))
    click.echo(
        f"{result.day}: ours {result.ours_count} transfer(s), {result.ours_total} đ; "
        f"bank {result.bank_count} transfer(s), {result.bank_total} đ"
    )
    for t in result.missing_at_bank:
        click.echo(f"  not in the bank's report: {t.transfer_id} {t.dossier_code} {t.amount} đ")
    for t in result.missing_here:
        click.echo(f"  reported by the bank, not confirmed here: {t.transfer_id} {t.dossier_code} {t.amount} đ")
    for ours, bank in result.amounts_differ:
        click.echo(
            f"  amounts differ: {ours.transfer_id} {ours.dossier_code} ours {ours.amount} đ, bank {bank.amount} đ"
        )
    for t in result.unreadable:
        click.echo(f"  confirmed here with an amount that is no whole number of đồng: {t.transfer_id} {t.dossier_code}")
    click.echo("matches" if result.matches else "DIFFERS")
    if not result.matches:
        sys.exit(1)
