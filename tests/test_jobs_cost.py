"""Every periodic job (CELERY_BEAT_SCHEDULE): a run with nothing new does next to nothing – the
same small number of queries at two data sizes – because each job finds its work in SQL (a due
date, a mark, a dirty set) instead of reading every open case; a first run over a backlog works
in batches of the same few queries (recipients, notices, emails, marks), so its count does not
grow with the backlog either; and a run that fails half-way and runs again sends nothing twice.
The benchmark (bench/jobs.py) times the same jobs at national size."""

import datetime
from importlib import import_module

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.test.utils import CaptureQueriesContext

from bench.generate import generate
from haandguide import notify as notify_module
from districtcouncil.models import Council, CouncilMeeting, CouncilMeetingType, Submission, SubmissionState
from haandguide.models import Child, Municipality, Notice, Role, User
from handleplan.models import Effort
from handleplan.reminders import EVALUATION_KEY_PREFIX

pytestmark = pytest.mark.django_db(transaction=False)

# The most queries a run with nothing new may make, whatever the data size (on PostgreSQL the
# access-log purge looks at its month partitions: 7).
NOTHING_NEW = 8
# The nightly verification is never idle: besides the rows sealed since its last night it re-checks
# a slice of the older rows (1/ACCESS_LOG_RECHECK_NIGHTS of each chain, accesslog_chain_verify), a
# few queries per chain whatever the log's size. The generated data has one municipality's chain.
NOTHING_NEW_VERIFY = 12
# The most queries a first run over the generated backlog may make at either size (it fits in one
# batch): before, the reminders made 244 and 195 queries at 600 children, retention 36 per child.
# Retention makes about 40 for a whole batch: a statement or two for each table it clears.
BACKLOG = 25
BACKLOG_RETENTION = 45
# The jobs that find a backlog in the generated history (with every child who left due for
# anonymisation), and what shows their work.
BACKLOG_JOBS = ["handleplan-evaluation-reminders", "notify-due-reassessments", "send-follow-up-reminders",
                "close-due-agendas", "send-draft-reminders", "anonymise-due-children"]


def run(name: str) -> int:
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    module, _, attr = entry["task"].rpartition(".")
    task = getattr(import_module(module), attr)
    with CaptureQueriesContext(connection) as context:
        task.run(**entry.get("kwargs", {}))
    return len(context.captured_queries)


@pytest.fixture(params=[120, 480], ids=["120-children", "480-children"])
def history(request):
    generate(request.param, 2, 500, 7)
    return request.param


@pytest.mark.parametrize("job", list(settings.CELERY_BEAT_SCHEDULE))
def test_a_run_with_nothing_new_does_next_to_nothing(history, job):
    run(job)  # the work there is
    assert run(job) <= (NOTHING_NEW_VERIFY if job == "verify-access-log" else NOTHING_NEW)


def test_the_evaluation_reminders_did_their_work_first(history):
    assert run("handleplan-evaluation-reminders") <= BACKLOG
    reminded = Effort.objects.filter(reminded_for__isnull=False)
    assert reminded.exists()
    # The generated data has a leader for its first institution only: those efforts have a notice.
    assert Notice.objects.filter(key__startswith=EVALUATION_KEY_PREFIX).exists()
    assert run("handleplan-evaluation-reminders") <= NOTHING_NEW


def work_done() -> tuple[int, int, int]:
    return (Notice.objects.count(), len(mail.outbox), Child.objects.filter(anonymised_at__isnull=False).count())


def add_backlog(children: int) -> None:
    """What the generated history lacks, in proportion to its size: staff with email addresses, a
    tenth of the children left long ago (due for anonymisation), agendas past their deadline and
    drafts whose deadline is near."""
    now = timezone.now()
    User.objects.update(email=Concat("username", Value("@example.dk")))
    left = Child.objects.order_by("pk").values_list("pk", flat=True)[::10]
    Child.objects.filter(pk__in=list(left)).update(left_at=now.date() - datetime.timedelta(days=800))
    Municipality.objects.update(retention_months=1)
    council = Council.objects.order_by("pk").first()
    meeting_type = CouncilMeetingType.objects.filter(municipality=council.district.municipality_id).first()
    CouncilMeeting.objects.bulk_create(  # deadline (10 days before) passed, agenda not closed yet
        [CouncilMeeting(council=council, type=meeting_type, starts_at=now + datetime.timedelta(days=2, minutes=n))
         for n in range(children // 40)])
    ahead = CouncilMeeting.objects.create(council=council, type=meeting_type,
                                          starts_at=now + datetime.timedelta(days=12))  # deadline in 2 days
    leaders = User.institutions.through.objects.filter(user__role=Role.LEDER).values_list("institution_id", "user_id")
    Submission.objects.bulk_create(
        [Submission(institution_id=institution_id, child=None, kind="sparring", track="uden_cpr",
                    description="Kladde", meeting=ahead, state=SubmissionState.KLADDE, created_by_id=user_id)
         for institution_id, user_id in list(leaders)[: children // 20]])


@pytest.mark.parametrize("job", BACKLOG_JOBS)
def test_a_first_run_over_the_backlog_makes_the_same_few_queries_at_either_size(history, job):
    add_backlog(history)
    before = work_done()
    queries = run(job)
    done = [after - then for after, then in zip(work_done(), before)]
    assert queries <= (BACKLOG_RETENTION if job == "anonymise-due-children" else BACKLOG), (job, history, queries, done)
    assert run(job) <= NOTHING_NEW


def test_the_generated_backlog_grows_with_the_data(history):
    """What the test above measures is real work, in proportion to the data's size."""
    add_backlog(history)
    for job in BACKLOG_JOBS:
        run(job)
    notices, emails, anonymised = work_done()
    assert notices > history / 10 and emails > history / 10 and anonymised >= history / 10, work_done()


def test_a_run_that_fails_half_way_sends_nothing_twice_when_run_again(history, monkeypatch):
    add_backlog(history)
    """The mail server fails after a few emails of the backlog: the job fails, the emails sent are
    marked, the run that follows sends the rest, and every notice is emailed exactly once."""
    sent = []
    real_send = notify_module.send_templated

    def failing_after_five(*args, **kwargs):
        if len(sent) == 5:
            raise ConnectionError("SMTP nede")
        real_send(*args, **kwargs)
        sent.append(args)

    monkeypatch.setattr(notify_module, "send_templated", failing_after_five)
    for job in ["notify-due-reassessments", "handleplan-evaluation-reminders"]:
        with pytest.raises(ConnectionError):
            run(job)
        assert len(mail.outbox) == 5
        monkeypatch.setattr(notify_module, "send_templated", real_send)
        run(job)
        run(job)
        monkeypatch.setattr(notify_module, "send_templated", failing_after_five)
        sent.clear()
        # One email per notice emailed: a notice emailed twice would leave more emails than notices.
        assert len(mail.outbox) == Notice.objects.filter(emailed_at__isnull=False).count() > 5, job
        assert not Notice.objects.filter(emailed_at__isnull=True, user__email__gt="").exists(), job
        mail.outbox.clear()
        Notice.objects.all().delete()  # the next job starts from no email sent
