from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from luffycityapi.core.schema import error
from luffycityapi.core.throttling import ScopedThrottle

from . import selectors, serializers, services


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedThrottle]
    throttle_scope = "register"

    @extend_schema(request=serializers.RegisterSerializer, responses={201: serializers.RegisterResponseSerializer})
    def post(self, request):
        data = serializers.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.user_register_and_login(mobile=data.validated_data["mobile"],
                                                        password=data.validated_data["password"])
        return Response(serializers.RegisterResponseSerializer(registration).data, status=status.HTTP_201_CREATED)


class LoginView(TokenObtainPairView):
    serializer_class = serializers.LoginSerializer
    authentication_classes = []
    throttle_classes = [ScopedThrottle]
    throttle_scope = "login"

    @extend_schema(responses={200: serializers.TokenPairSerializer,
                              401: error("wrong username or password: `invalid_credentials`")})
    def post(self, request, *args, **kwargs):
        return Response(serializers.TokenPairSerializer(super().post(request, *args, **kwargs).data).data)


class RefreshView(TokenRefreshView):
    authentication_classes = []

    @extend_schema(responses={200: serializers.TokenPairSerializer,
                              401: error("an expired, revoked or already used refresh token: `token_invalid`")})
    def post(self, request, *args, **kwargs):
        return Response(serializers.TokenPairSerializer(super().post(request, *args, **kwargs).data).data)


class LogoutView(APIView):
    """The refresh token in the body is the credential (possession is what a logout revokes), so a session whose
    access token has already expired can still be ended; a bearer header is not needed and not looked at."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=serializers.LogoutSerializer,
                   responses={204: None, 401: error("not a valid refresh token: `token_invalid`")})
    def post(self, request):
        data = serializers.LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.refresh_token_revoke(data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)


class MyCoursesView(generics.ListAPIView):
    serializer_class = serializers.UserCourseSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.user_course_list(self.request.user.id)


class MyCreditsView(generics.ListAPIView):
    serializer_class = serializers.CreditSerializer

    def get_queryset(self):
        return selectors.credit_ledger(self.request.user.id)


class MyWalletView(APIView):
    """The student's wallet: balance, ledger (newest first) and the ways to pay a top-up."""

    @extend_schema(responses=serializers.WalletSerializer)
    def get(self, request):
        return Response(serializers.WalletSerializer(selectors.wallet(request.user.id)).data)
