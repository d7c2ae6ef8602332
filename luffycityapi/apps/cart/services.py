"""Cart writes: what may go into a cart is decided here, the storage is cart.store."""
from dataclasses import dataclass

from luffycityapi.apps.courses import selectors as course_selectors
from luffycityapi.apps.users import selectors as user_selectors
from luffycityapi.core.errors import NotFound, ShopError

from . import store


@dataclass(frozen=True)
class CartAdded:
    """A course went into the cart (serializers.CartAddedSerializer): the seed's message and the cart's size."""

    cart_total: int
    errmsg: str = "添加成功"


@dataclass(frozen=True)
class CartChanged:
    """The cart's ticks changed (serializers.CartChangedSerializer)."""

    errmsg: str = "ok"


def cart_add(*, user_id: int, course_id: int) -> CartAdded:
    """Add a visible course the user does not own yet; answers the cart's size."""
    course_selectors.course_for_sale(course_id)
    if user_selectors.owned_course_ids(user_id, [course_id]):
        raise ShopError("您已购买过该课程", code="course_already_purchased")
    return CartAdded(store.add(user_id, course_id))


def cart_select(*, user_id: int, course_id: int, selected: bool) -> CartChanged:
    """Tick or untick one course that is in the cart."""
    if not store.contains(user_id, course_id):
        raise NotFound("购物车中没有该课程", code="cart_item_not_found")
    store.set_selected(user_id, course_id, selected)
    return CartChanged()


def cart_select_all(*, user_id: int, selected: bool) -> CartChanged:
    store.set_all_selected(user_id, selected)
    return CartChanged()


def cart_remove(*, user_id: int, course_id: int) -> None:
    if not store.contains(user_id, course_id):
        raise NotFound("购物车中没有该课程", code="cart_item_not_found")
    store.remove(user_id, [course_id])


def cart_remove_ordered(*, user_id: int, course_ids) -> None:
    """Drop the courses an order was placed for (called after the order commits)."""
    store.remove(user_id, course_ids)
