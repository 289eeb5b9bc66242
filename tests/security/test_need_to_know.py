"""Material of a restricted case stays hidden from non-members on pages that are not the case's."""

from detection.selectors import account_signals


def test_account_signals_leave_out_a_hidden_cases_signals(world):
    signal = world.restricted.signal
    signal.accounts.add(world.restricted.account)

    outsider = world.users["outsider"]
    member = world.users["member"]

    assert list(account_signals(world.restricted.account, outsider)) == []
    assert list(account_signals(world.restricted.account, member)) == [signal]
