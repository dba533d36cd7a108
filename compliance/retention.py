"""Anonymisation: what a booking, its client card, its messages and its audit entries keep once the person
behind them is to be forgotten (retention has run out, or they asked to be erased).

A booking keeps its reference, hall, times, prices, states and history of states, so every report gives
the same figures; it loses the name (a neutral label instead), phone, email, blind index, notes, special
requirements, internal notes and consent address, and moves to the one shared client card of anonymised
bookings (no phone, no index; nobody's client, left out of the clients list). A client card left without
bookings is removed.

Everything is set-based: one UPDATE per batch of ids, in short transactions. A booking anonymised once no
longer matches (its blind index is empty), so an interrupted run rerun picks up where it stopped and a
finished one changes nothing more.

What a batch costs is mostly the booking rows' index entries: the name, the blind index and the client card
all change, so the new version of each row goes into the table's indexes, less those that find a guest (they
leave out the anonymised bookings) and those of foreign keys the row does not have. The rest is kept small
around it: large batches, no sorting, commits that do not wait for the disk, and on PostgreSQL the batches
shared by several connections (``each_batch``).
"""

import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from bookings.models import Booking, Client
from notifications.models import OPEN_STATUSES, Audience, Notification, Status

from .models import SecurityEvent
from .processing import NAMED_MODELS, PLAIN_PERSONAL_FIELDS, personal_field_names

BATCH = 10_000
# Audit entries are written back in statements of this many rows: one statement's cost grows with the square
# of its rows (a CASE over every row's key), so a batch's thousands of entries go in several.
ENTRIES_PER_STATEMENT = 500
HIDDEN = "[hidden]"


def anonymised_label() -> str:
    return _("Anonymised guest")


def anonymous_client() -> Client:
    """The one client card every anonymised booking belongs to (empty phone and blind index)."""
    client = Client.objects.filter(phone_index="").first()
    if client is None:
        with disable_auditlog():
            client, _created = Client.objects.get_or_create(
                phone_index="", defaults={"name": anonymised_label(), "phone": ""})
    return client


@contextmanager
def batch_transaction():
    """One batch's transaction. On PostgreSQL its commit does not wait for the write-ahead log to reach the
    disk: a crash may lose the last batches committed (whole batches, never part of one), and the next run,
    finding them still to do, does them again. The run's record is marked finished afterwards with an ordinary
    commit, which flushes the log up to it, so a run shown as finished lost nothing. Inside a caller's
    transaction the caller's commit decides, as it should."""
    relaxed = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if relaxed:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        yield


def batches(queryset) -> Iterator[QuerySet]:
    """``queryset`` in ascending slices of at most BATCH rows, each a primary-key range of it read afresh
    (keyset pagination): rows an earlier slice changed so that they no longer match are not seen again, and
    each statement on a slice filters a range of the index, not a list of thousands of ids."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        yield queryset.filter(pk__gt=last, pk__lte=ids[-1])
        last = ids[-1]


def each_batch(queryset, work: Callable[[QuerySet], int | tuple]) -> list:
    """``work`` on every slice of ``batches(queryset)``, each in a ``batch_transaction`` of its own; what each
    returned. On PostgreSQL, outside a caller's transaction, RETENTION_WORKERS threads share the slices, each on
    a connection of its own and taking the next slice as it finishes one: a batch's cost is the server's, so
    two of its cores do twice the work. The slices are disjoint rows, so the workers never wait on each
    other's row locks. A worker that fails, or the run stopped, stops the others after their current batch
    (each batch done stays done, as in a run stopped half-way) and the error is raised. Elsewhere the slices
    go one after the other."""
    slices = batches(queryset)
    workers = settings.RETENTION_WORKERS
    if workers < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return [_in_batch_transaction(work, batch) for batch in slices]
    taking, failed = threading.Lock(), threading.Event()

    def next_slice():
        with taking:
            return next(slices, None)

    def worker() -> list:
        done = []
        try:
            # The process stopping (its main thread gone) stops the workers too, after their batch.
            while not failed.is_set() and threading.main_thread().is_alive() and (batch := next_slice()) is not None:
                done.append(_in_batch_transaction(work, batch))
        except BaseException:
            failed.set()
            raise
        finally:
            connections.close_all()  # this thread's own connection
        return done

    pool = ThreadPoolExecutor(workers, thread_name_prefix="retention")
    try:
        futures = [pool.submit(worker) for _ in range(workers)]
        return [result for future in futures for result in future.result()]
    except BaseException:  # a worker's error, or the run stopped (Ctrl-C): the others finish their batch
        failed.set()
        raise
    finally:
        pool.shutdown()


def _in_batch_transaction(work, batch):
    with batch_transaction():
        return work(batch)


def _hide_values(changes, names: set[str]):
    if not isinstance(changes, dict):
        return changes
    return {name: ([HIDDEN if value not in (None, "", "None") else value for value in values]
                   if name in names and isinstance(values, list) else values)
            for name, values in changes.items()}


def _personal_names_by_type() -> tuple[dict[int, set[str]], set[int]]:
    """({content type id: its personal field names}, content type ids whose entries' record names a person)."""
    models_by_type = ContentType.objects.get_for_models(*PLAIN_PERSONAL_FIELDS)
    names = {content_type.pk: personal_field_names(model) for model, content_type in models_by_type.items()}
    return names, {models_by_type[model].pk for model in NAMED_MODELS}


# The same as _clean_entries_one_by_one, in one statement on PostgreSQL. An entry naming a personal field of its
# model has that field's change replaced in place (``changes || {field: hidden}``): an [old, new] pair, the
# shape auditlog writes, by an expression; a list of any other length element by element. Every other change,
# and every entry naming no personal field, keeps its changes as they are. The fields and content types are
# written into the statement (names of the project's own models, checked below), so a batch's thousands of
# entries cost one pass with no subquery per entry.
CLEAN_ENTRIES_SQL = """
UPDATE auditlog_logentry AS entry SET
    changes = {changes},
    object_repr = CASE WHEN entry.content_type_id = ANY(%s) THEN '#' || COALESCE(entry.object_id::text, 'None')
                       ELSE entry.object_repr END,
    changes_text = '', serialized_data = NULL, remote_addr = NULL,
    actor_email = CASE WHEN %s THEN '' ELSE entry.actor_email END
WHERE entry.id IN ({ids})
"""
_FIELD_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_KEPT_VALUES = "('null'::jsonb, '\"\"'::jsonb, '\"None\"'::jsonb)"
_HIDDEN_JSON = "'" + json.dumps(HIDDEN).replace("'", "''") + "'::jsonb"


def _hidden_value_sql(value: str) -> str:
    return f"CASE WHEN {value} IN {_KEPT_VALUES} THEN {value} ELSE {_HIDDEN_JSON} END"


def _hidden_change_sql(name: str) -> str:
    """The change of field ``name`` (present in the entry) with its values hidden."""
    change = f"(entry.changes -> '{name}')"
    each = (f"COALESCE((SELECT jsonb_agg({_hidden_value_sql('item.value')} ORDER BY item.position) "
            f"FROM jsonb_array_elements({change}) WITH ORDINALITY AS item (value, position)), '[]'::jsonb)")
    pair = f"jsonb_build_array({_hidden_value_sql(change + ' -> 0')}, {_hidden_value_sql(change + ' -> 1')})"
    return (f"CASE WHEN jsonb_typeof({change}) <> 'array' THEN {change} "
            f"WHEN jsonb_array_length({change}) = 2 THEN {pair} ELSE {each} END")


def _clean_changes_sql(names: dict[int, set[str]]) -> str:
    """SQL for an entry's changes with the personal fields of its content type hidden."""
    by_type = []
    for content_type, fields in sorted(names.items()):
        fields = sorted(fields)
        if not fields:
            continue
        if not all(_FIELD_NAME.fullmatch(name) for name in fields):
            raise ValueError(f"not a field name to write into SQL: {fields}")
        listed = ", ".join(f"'{name}'" for name in fields)
        hidden = " || ".join(f"CASE WHEN entry.changes ? '{name}' THEN jsonb_build_object('{name}', "
                             f"{_hidden_change_sql(name)}) ELSE '{{}}'::jsonb END" for name in fields)
        by_type.append(f"WHEN {int(content_type)} THEN CASE WHEN jsonb_typeof(entry.changes) = 'object' AND "
                       f"entry.changes ?| ARRAY[{listed}] THEN entry.changes || {hidden} ELSE entry.changes END")
    if not by_type:
        return "entry.changes"
    return f"CASE entry.content_type_id {' '.join(by_type)} ELSE entry.changes END"


def _without_compiling(cursor) -> None:
    """For the rest of the transaction, PostgreSQL runs statements without compiling them first (JIT): the
    cleaning statement is long enough to be estimated worth compiling, which took seconds a batch, and running
    it a tenth of that."""
    cursor.execute("SET LOCAL jit = off")


def _clean_entries(entries, *, forget_actor: bool = False) -> int:
    """Hide the personal fields of ``entries`` (LogEntry rows) and the names standing for people; with
    ``forget_actor``, the employee's email too (retention: the entry outlived its period for everyone).

    On PostgreSQL one set-based statement; elsewhere row by row (a laptop's database is small)."""
    names, named = _personal_names_by_type()
    if connection.vendor != "postgresql":
        return _clean_entries_one_by_one(entries, names, named, forget_actor=forget_actor)
    try:
        ids, id_params = entries.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. the entries of no bookings: a person known only by a client card
        return 0
    statement = CLEAN_ENTRIES_SQL.format(changes=_clean_changes_sql(names), ids=ids)
    with transaction.atomic(), connection.cursor() as cursor:
        _without_compiling(cursor)
        cursor.execute(statement, [sorted(named), forget_actor, *id_params])
        return cursor.rowcount


def _clean_entries_one_by_one(entries, names: dict[int, set[str]], named: set[int], *, forget_actor: bool) -> int:
    fields = ["changes", "object_repr", "changes_text", "serialized_data", "remote_addr"]
    rows = list(entries.only("pk", "content_type_id", "object_id", "changes", "object_repr"))
    for entry in rows:
        entry.changes = _hide_values(entry.changes, names.get(entry.content_type_id, set()))
        if entry.content_type_id in named:
            entry.object_repr = f"#{entry.object_id}"
        entry.changes_text, entry.serialized_data, entry.remote_addr = "", None, None
        if forget_actor:
            entry.actor_email = ""
    LogEntry.objects.bulk_update(rows, [*fields, "actor_email"] if forget_actor else fields,
                                 batch_size=ENTRIES_PER_STATEMENT)
    return len(rows)


def clean_entries_of(model, rows: QuerySet | list[int], *, since: datetime | None = None) -> int:
    """The audit entries of these rows of ``model`` (a queryset of it, or primary keys) keep no personal data;
    with ``since``, only the entries from then on (the retention sweep has done the older ones)."""
    content_type = ContentType.objects.get_for_model(model)
    ids = rows.values("pk") if isinstance(rows, QuerySet) else rows
    entries = LogEntry.objects.filter(content_type=content_type, object_id__in=ids)
    return _clean_entries(entries.filter(timestamp__gte=since) if since is not None else entries)


def forget_notifications(queryset, note: str) -> int:
    """Clear the recipients and errors of these outbox rows; those not yet sent never will be."""
    stopped = queryset.filter(status__in=OPEN_STATUSES).update(status=Status.DEAD, recipient="", last_error=note)
    return stopped + queryset.exclude(recipient="").update(recipient="", last_error="")


def bookings_anonymise(bookings: QuerySet, *, client: Client,
                       entries_since: datetime | None = None) -> tuple[int, set[int]]:
    """Anonymise ``bookings`` (in the caller's transaction) and the messages and audit entries naming their
    guest (with ``entries_since``, the entries from then on only); (bookings anonymised, ids of the client
    cards they belonged to, for ``clients_remove_empty``)."""
    # Unordered: the default ordering would join the halls and sort the batch for nothing.
    touched = set(bookings.order_by().values_list("client_id", flat=True).distinct()) - {client.pk}
    # Messages and entries first, while ``bookings`` still matches the rows.
    forget_notifications(Notification.objects.filter(booking__in=bookings, audience=Audience.GUEST),
                         _("Not sent: the guest's data was anonymised."))
    clean_entries_of(Booking, bookings, since=entries_since)
    count = bookings.update(
        client=client, client_name=anonymised_label(), client_phone="", client_phone_index="", client_email="",
        client_email_index="",
        special_requirements="", notes="", internal_notes="", consent_ip=None, version=F("version") + 1)
    return count, touched


def clients_remove_empty(ids) -> int:
    """Remove the client cards among ``ids`` that no booking belongs to any more, and clean their audit
    entries. The removal itself is not audited: an entry for it would keep the card's name and notes."""
    removed = 0
    ids = sorted(ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        kept = set(Booking.objects.filter(client_id__in=chunk).values_list("client_id", flat=True).distinct())
        empty = list(Client.objects.filter(pk__in=set(chunk) - kept).exclude(phone_index="")
                     .values_list("pk", flat=True))
        if empty:
            clean_entries_of(Client, empty)
            with disable_auditlog():
                Client.objects.filter(pk__in=empty).delete()
        removed += len(empty)
    return removed


# --- Retention: what ended before the cutoff -----------------------------------------------------------


def expired_bookings(cutoff: datetime):
    """Bookings that ended before ``cutoff`` and still name their guest."""
    return Booking.objects.filter(end__lt=cutoff).exclude(client_phone_index="")


def expired_clients(cutoff: datetime):
    """Client cards from before ``cutoff`` without any booking (their phone was changed on every one)."""
    return Client.objects.filter(created_at__lt=cutoff, bookings__isnull=True).exclude(phone_index="")


def expired_notifications(cutoff: datetime):
    return Notification.objects.filter(created_at__lt=cutoff).exclude(recipient="")


def expired_entries(cutoff: datetime, since: datetime | None):
    """Audit entries from before ``cutoff``; from ``since`` on when an earlier run finished up to it."""
    entries = LogEntry.objects.filter(timestamp__lt=cutoff)
    return entries.filter(timestamp__gte=since) if since is not None else entries


def expired_security_events(cutoff: datetime):
    return SecurityEvent.objects.filter(at__lt=cutoff).filter(Q(ip__isnull=False) | ~Q(username=""))


def clients_to_remove(cutoff: datetime):
    """Client cards a run would remove: every booking of theirs expired, or none from before ``cutoff``."""
    later = Booking.objects.filter(client=OuterRef("pk"), end__gte=cutoff)
    earlier = Booking.objects.filter(client=OuterRef("pk"))
    return (Client.objects.exclude(phone_index="").exclude(Exists(later))
            .filter(Exists(earlier) | Q(created_at__lt=cutoff)))


def anonymise_expired_bookings(cutoff: datetime) -> tuple[int, int]:
    """(bookings anonymised, client cards removed). Cards are looked at once every booking has moved: a card
    whose bookings span several slices empties only with the last. Their audit entries from before ``cutoff``
    are the sweep's (``clear_expired_entries``, run first); the later ones are cleaned here."""
    client = anonymous_client()
    done = each_batch(expired_bookings(cutoff),
                      lambda batch: bookings_anonymise(batch, client=client, entries_since=cutoff))
    touched = set().union(*(clients for _count, clients in done))
    with batch_transaction():
        return sum(count for count, _clients in done), clients_remove_empty(touched)


def remove_expired_clients(cutoff: datetime) -> int:
    return sum(each_batch(expired_clients(cutoff),
                          lambda batch: clients_remove_empty(list(batch.values_list("pk", flat=True)))))


def clear_expired_notifications(cutoff: datetime) -> int:
    return sum(each_batch(expired_notifications(cutoff),
                          lambda batch: forget_notifications(batch, _("Not sent: older than the retention period."))))


def clear_expired_entries(cutoff: datetime, since: datetime | None) -> int:
    return sum(each_batch(expired_entries(cutoff, since), lambda batch: _clean_entries(batch, forget_actor=True)))


def clear_expired_security_events(cutoff: datetime) -> int:
    return sum(each_batch(expired_security_events(cutoff), lambda batch: batch.update(ip=None, username="")))
