"""The soak's two phases, shared by `make soak` (soak/run.py) and `make cluster-soak` (soak/cluster.py): the
students sign up and place their first order; then the storm (4 payments each, bursts out of order, gateway
faults, cancels and expiries racing payments) while `chaos` threads hurt the stack."""
import threading

from harness.seed import gift
from soak.faults import inject_faults
from soak.shop import run_pool, stats
from soak.storm import Storm
from soak.students import FIRST_FATES, Student, student_first_order, student_journey


def sign_up(count: int, course_ids, coupon_ids) -> tuple[list, dict]:
    """Phase A: students register, get credits/coupons, place the order that will be cancelled or expire."""
    students = [Student(n) for n in range(count)]
    first_orders = {}

    def sign_up_one(student):
        student.register_and_login()
        student.coupon_logs = gift(student.user_id, coupon_ids if student.n % 3 == 0 else [],
                                   500 if student.n % 2 == 0 else 0)
        first_orders[student.n] = student_first_order(student, course_ids, FIRST_FATES[student.n % len(FIRST_FATES)])

    run_pool(sign_up_one, students, 12)
    return students, first_orders


def storm(students, first_orders, course_ids, runners: int, chaos: list[threading.Thread]) -> Storm:
    """Phase B: every student pays 4 orders, stormed; the faults and the `chaos` threads (started here, joined
    for at most 5 s each once the storm is over) run meanwhile."""
    the_storm = Storm(runners)
    stop_faults = threading.Event()
    faults = threading.Thread(target=inject_faults, args=(stop_faults,), daemon=True)
    faults.start()
    for thread in chaos:
        thread.start()
    tamper = {"notify": 3, "return": 3}
    run_pool(lambda s: student_journey(s, course_ids, the_storm, first_orders[s.n], tamper),
             [s for s in students if s.n in first_orders], 10)
    the_storm.close()
    stop_faults.set()
    for thread in chaos:
        thread.join(timeout=5)
    if len(the_storm.paid_numbers) < len(students) * 4:
        stats.violation(f"only {len(the_storm.paid_numbers)} of {len(students) * 4} payments were stormed")
    return the_storm
