"""Clue pages. Each views module declares its own urlpatterns, joined here."""

from zhengdun.clues.views import detail, ledger, reference

app_name = "clues"
urlpatterns = [*ledger.urlpatterns, *detail.urlpatterns, *reference.urlpatterns]
