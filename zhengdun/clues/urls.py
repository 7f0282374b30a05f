"""Clue pages. The ledger helper owns views/ledger.py, the detail helper views/detail.py; each
module declares its own urlpatterns, joined here."""

from zhengdun.clues.views import detail, ledger

app_name = "clues"
urlpatterns = [*ledger.urlpatterns, *detail.urlpatterns]
