using Hyperagents.Hosting.Sessions;
using Hyperagents.Models.Tests.Support;
using Hyperagents.TestSupport;

namespace Hyperagents.Models.Tests;

public sealed class AccountingTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _server = null!;
    private readonly string _folder = Directory.CreateTempSubdirectory("hyperagents-models-").FullName;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Equivalent_tokens_weigh_input_a_quarter()
    {
        Assert.Equal(250 + 0.25 * 1000, TokenLedger.Equivalent(1000, 250));
        Assert.Equal(350, new UsageTotals(1, 1000, 100, 0m).EquivalentTokens);
    }

    [Fact]
    public void Ledger_totals_per_session_model_and_run()
    {
        var ledger = new TokenLedger();
        ledger.Record("a", "openai:gpt-4.1", 100, 10, 0.5m);
        ledger.Record("a", "openai:gpt-4.1-mini", 200, 20, 0.25m);
        ledger.Record("b", "openai:gpt-4.1", 300, 30, 1m);

        Assert.Equal(new UsageTotals(3, 600, 60, 1.75m), ledger.Run);
        Assert.Equal(new UsageTotals(2, 300, 30, 0.75m), ledger.ForSession("a"));
        Assert.Equal(new UsageTotals(2, 400, 40, 1.5m), ledger.ForModel("openai:gpt-4.1"));
        Assert.Equal(UsageTotals.Zero, ledger.ForSession("nobody"));
    }

    [Fact]
    public async Task Ledger_is_exact_under_concurrent_records()
    {
        var ledger = new TokenLedger();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                ledger.Record($"s{t % 3}", "m", 3, 1, 0.001m);
            }
        })));

        Assert.Equal(new UsageTotals(8000, 24000, 8000, 8m), ledger.Run);
        Assert.Equal(8000, ledger.Snapshot().BySession.Values.Sum(v => v.Calls));
    }

    [Fact]
    public void Ledger_serialises_and_a_resumed_run_continues_its_totals_and_budget()
    {
        var ledger = new TokenLedger(new ModelBudgets(MaxEquivalentTokens: 1000));
        ledger.Record("v1", "openai:gpt-4.1", 2000, 100, 0.0016m);
        var json = ledger.ToJson();

        var resumed = new TokenLedger(new ModelBudgets(MaxEquivalentTokens: 1000), TokenLedger.ReadState(json));

        Assert.Equal(ledger.Run, resumed.Run);
        Assert.Equal(ledger.ForSession("v1"), resumed.ForSession("v1"));
        Assert.Equal(ledger.ForModel("openai:gpt-4.1"), resumed.ForModel("openai:gpt-4.1"));
        Assert.Equal(400, resumed.TokensLeft);
        resumed.Record("v2", "openai:gpt-4.1", 0, 400, 0m);
        Assert.True(resumed.Exhausted);
        Assert.Contains("--token-budget", resumed.ExhaustedReason);
        Assert.False(ledger.Exhausted);
    }

    [Fact]
    public void Shipped_price_table_prices_families_and_dated_snapshots()
    {
        var prices = PriceTable.Default;

        Assert.Equal(new ModelPrice(2.00m, 8.00m), prices.Find("gpt-4.1"));
        Assert.Equal(new ModelPrice(0.40m, 1.60m), prices.Find("gpt-4.1-mini-2025-04-14"));
        Assert.Equal(new ModelPrice(3.00m, 15.00m), prices.Find("claude-sonnet-4-5-20250929"));
        Assert.Null(prices.Find("llama3.1:8b"));
        Assert.Null(prices.Find("gpt-4.10"));
        Assert.Equal(2m + 4m, new ModelPrice(2m, 8m).Cost(1_000_000, 500_000));
    }

    [Fact]
    public void A_price_file_overrides_and_extends_the_shipped_table()
    {
        var path = Path.Combine(_folder, "prices.json");
        File.WriteAllText(path, """{ "models": { "gpt-4.1": { "input": 1.5, "output": 6 }, "my-local": { "input": 0, "output": 0.1 } } }""");

        var prices = PriceTable.LoadWithOverrides(path);

        Assert.Equal(new ModelPrice(1.5m, 6m), prices.Find("gpt-4.1"));
        Assert.Equal(new ModelPrice(0m, 0.1m), prices.Find("my-local"));
        Assert.Equal(new ModelPrice(0.40m, 1.60m), prices.Find("gpt-4.1-mini"));
    }

    [Fact]
    public void A_malformed_price_file_names_the_file_and_the_shape()
    {
        var path = Path.Combine(_folder, "bad.json");
        File.WriteAllText(path, """{ "models": { "x": { "input": "cheap" } } }""");

        var error = Assert.Throws<ModelConfigurationException>(() => PriceTable.LoadWithOverrides(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("\"input\"", error.Message);
    }

    [Fact]
    public async Task Calls_are_priced_from_the_table()
    {
        var path = Path.Combine(_folder, "prices.json");
        File.WriteAllText(path, """{ "models": { "scripted-model": { "input": 2, "output": 8 } } }""");
        _server.Enqueue(ScriptedReply.Reply("x", promptTokens: 1_000, completionTokens: 500));
        using var models = ModelServices.Create(Some.Options(_server) with { Prices = path });
        var chat = models.OpenSession("s");

        await chat.CompleteAsync(Some.Ask("q"), CancellationToken.None);

        Assert.Equal(0.006m, models.Ledger.Run.CostUsd);
        Assert.Equal(0.006m, chat.Transcript[0].Usage!.CostUsd);
    }

    [Fact]
    public async Task A_spent_token_budget_refuses_calls_without_reaching_the_model()
    {
        _server.Responder = _ => ScriptedReply.Reply("x", promptTokens: 400, completionTokens: 100);
        using var models = ModelServices.Create(Some.Options(_server) with { TokenBudget = 150 });
        var chat = models.OpenSession("s");

        await chat.CompleteAsync(Some.Ask("first"), CancellationToken.None);
        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("second"), CancellationToken.None));

        Assert.Equal("budget-exhausted", error.Code);
        Assert.Contains("200 of 150", error.Message);
        Assert.True(models.Ledger.Exhausted);
        Assert.Equal(0, models.Ledger.TokensLeft);
        Assert.Single(_server.Requests);
        Assert.Equal(["budget-exhausted"], chat.Transcript.Where(e => e.Error is not null).Select(e => e.Error!.Code));
        Assert.Equal(0, chat.Transcript[1].AttemptCount);
    }

    [Fact]
    public async Task A_spent_money_budget_refuses_calls()
    {
        var path = Path.Combine(_folder, "prices.json");
        File.WriteAllText(path, """{ "models": { "scripted-model": { "input": 10, "output": 30 } } }""");
        _server.Responder = _ => ScriptedReply.Reply("x", promptTokens: 100_000, completionTokens: 10_000);
        using var models = ModelServices.Create(Some.Options(_server) with { Prices = path, MoneyBudgetUsd = 1.5m });
        var chat = models.OpenSession("s");

        await chat.CompleteAsync(Some.Ask("1"), CancellationToken.None);
        Assert.False(models.Ledger.Exhausted);
        await chat.CompleteAsync(Some.Ask("2"), CancellationToken.None);
        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("3"), CancellationToken.None));

        Assert.Equal("budget-exhausted", error.Code);
        Assert.Contains("--money-budget", error.Message);
        Assert.Equal(2.6m, models.Ledger.Run.CostUsd);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task A_resumed_ledger_counts_against_the_budget_from_the_start()
    {
        var earlier = new TokenLedger();
        earlier.Record("v0", "openai:scripted-model", 0, 1000, 0m);
        using var models = ModelServices.Create(Some.Options(_server) with { TokenBudget = 1000 }, resume: earlier.Snapshot());

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => models.OpenSession("v1").CompleteAsync(Some.Ask("q"), CancellationToken.None));

        Assert.Equal("budget-exhausted", error.Code);
        Assert.Empty(_server.Requests);
    }
}
