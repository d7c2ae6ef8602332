from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .serializers import EnableCouponsSerializer


class EnableCouponsView(APIView):
    """The user's coupons usable for the selected cart, with the discount each gives (the best first), and the
    ones that are not, with why."""

    @extend_schema(responses=EnableCouponsSerializer)
    def get(self, request):
        lines = selectors.checkout_lines(request.user.id)
        usable, unusable = selectors.coupon_choices(user_id=request.user.id, lines=lines)
        return Response(EnableCouponsSerializer({
            "coupon_list": usable,
            "unusable": unusable,
            "credit_to_money": settings.CREDIT_TO_MONEY,
            "has_credit": request.user.credit,
        }).data)
