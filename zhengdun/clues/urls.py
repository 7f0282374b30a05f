"""Clue pages. Each views module declares its own urlpatterns, joined here."""

from zhengdun.clues.views import detail, detail_actions, ledger, reference

app_name = "clues"
urlpatterns = [*ledger.urlpatterns, *detail.urlpatterns, *detail_actions.urlpatterns, *reference.urlpatterns]
