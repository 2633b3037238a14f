"""Who is calling: signing in with DingTalk (免登) or a development login (`providers`), the
DingTalk API client (`dingtalk`, also used to send work notices), Kehou's own tokens (`tokens`),
and the accounts and principals behind them (`accounts`)."""
