"""The JSON API under /api/v1/ (django-ninja). Each app contributes a router from its api.py."""

from ninja import NinjaAPI

from zhengdun.accounts.api_auth import api_auth

api = NinjaAPI(
    title="教育整顿工作平台 API",
    version="1",
    description="政法队伍教育整顿工作平台的数据接口。认证：请求头 Authorization: Bearer <令牌>，或已登录的浏览器会话。",
    auth=api_auth,
    urls_namespace="api",
)

api.add_router("/", "zhengdun.org.api.router")
