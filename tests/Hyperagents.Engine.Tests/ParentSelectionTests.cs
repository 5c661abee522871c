using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Hyperagents.Engine.Tests;

public sealed class ParentSelectionTests
{
    private static Arbitrary<SelectionCandidate[]> Candidates() =>
        (from count in Gen.Choose(1, 12)
         from alphas in Gen.ArrayOf(Gen.Choose(0, 1000).Select(x => x / 1000.0), count)
         from children in Gen.ArrayOf(Gen.Choose(0, 20), count)
         select alphas.Select((a, i) => new SelectionCandidate($"v{i}", a, children[i], i)).ToArray())
        .ToArbitrary();

    [Property(MaxTest = 300)]
    public Property ScoreChildPropMatchesTheClosedForm() =>
        Prop.ForAll(Candidates(), candidates =>
        {
            var top3 = candidates.Select(c => c.Alpha).OrderByDescending(a => a).Take(3).Average();
            var expected = candidates.Select(c => 1 / (1 + Math.Exp(-10 * (c.Alpha - top3))) * Math.Exp(-Math.Pow(c.Children / 8.0, 3)));
            var actual = ParentSelection.Weights(SelectionMethod.ScoreChildProp, candidates);
            return expected.Zip(actual).All(p => Math.Abs(p.First - p.Second) < 1e-12);
        });

    [Property(MaxTest = 300)]
    public Property ScorePropIgnoresChildren() =>
        Prop.ForAll(Candidates(), candidates =>
        {
            var withoutChildren = candidates.Select(c => c with { Children = 0 }).ToArray();
            return ParentSelection.Weights(SelectionMethod.ScoreProp, candidates)
                .SequenceEqual(ParentSelection.Weights(SelectionMethod.ScoreProp, withoutChildren));
        });

    [Property(MaxTest = 300)]
    public Property MoreChildrenNeverRaiseTheWeight() =>
        Prop.ForAll(Candidates(), candidates =>
        {
            var before = ParentSelection.Weights(SelectionMethod.ScoreChildProp, candidates)[0];
            var more = candidates.Select((c, i) => i == 0 ? c with { Children = c.Children + 1 } : c).ToArray();
            return ParentSelection.Weights(SelectionMethod.ScoreChildProp, more)[0] <= before + 1e-15;
        });

    [Property(MaxTest = 200)]
    public Property SelectionIsDeterministicForASeed() =>
        Prop.ForAll(Candidates(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (candidates, seed) =>
        {
            var a = ParentSelection.Select(SelectionMethod.ScoreChildProp, candidates, new SeededRandom((ulong)seed));
            var b = ParentSelection.Select(SelectionMethod.ScoreChildProp, candidates, new SeededRandom((ulong)seed));
            return a.Chosen == b.Chosen && Math.Abs(a.Weights.Sum() - 1) < 1e-9;
        });

    [Fact]
    public void ChildFactorHasThePublishedValues()
    {
        Assert.Equal(1.0, ParentSelection.ChildFactor(0), 12);
        Assert.Equal(0.8825, ParentSelection.ChildFactor(4), 4);
        Assert.Equal(0.3679, ParentSelection.ChildFactor(8), 4);
        Assert.Equal(0.0342, ParentSelection.ChildFactor(12), 4);
    }

    [Fact]
    public void EmpiricalFrequenciesFollowTheWeights()
    {
        SelectionCandidate[] candidates =
        [
            new("a", 0.9, 0, 0),
            new("b", 0.8, 6, 1),
            new("c", 0.5, 0, 2),
            new("d", 0.7, 12, 3),
        ];
        var weights = ParentSelection.Weights(SelectionMethod.ScoreChildProp, candidates);
        var expected = weights.Select(w => w / weights.Sum()).ToArray();
        var random = new SeededRandom(42);
        var counts = new int[candidates.Length];
        const int draws = 40_000;
        for (var i = 0; i < draws; i++)
        {
            var chosen = ParentSelection.Select(SelectionMethod.ScoreChildProp, candidates, random).Chosen;
            counts[Array.IndexOf(candidates, chosen)]++;
        }

        for (var i = 0; i < candidates.Length; i++)
        {
            Assert.InRange(counts[i] / (double)draws, expected[i] - 0.01, expected[i] + 0.01);
        }
    }

    [Fact]
    public void BestLatestAndRandomBehave()
    {
        SelectionCandidate[] candidates = [new("a", 0.2, 0, 5), new("b", 0.9, 3, 1), new("c", 0.9, 0, 2)];
        var random = new SeededRandom(7);
        Assert.Equal("b", ParentSelection.Select(SelectionMethod.Best, candidates, random).Chosen.Id);
        Assert.Equal("a", ParentSelection.Select(SelectionMethod.Latest, candidates, random).Chosen.Id);
        var seen = Enumerable.Range(0, 300).Select(_ => ParentSelection.Select(SelectionMethod.Random, candidates, random).Chosen.Id).ToHashSet();
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public void StagedAndInitialAlphaIsScaled()
    {
        Assert.Equal(0.6, ParentSelection.Alpha([0.4, 0.8], stagedOnlyOrInitial: false, 10, 100), 12);
        Assert.Equal(0.06, ParentSelection.Alpha([0.4, 0.8], stagedOnlyOrInitial: true, 10, 100), 12);
    }
}
