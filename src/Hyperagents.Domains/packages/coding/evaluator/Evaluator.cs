using System;
using System.Collections.Generic;
using System.Linq;
using Hyperagents.Evaluators;

namespace Hyperagents.Coding;

/// <summary>The coding package's evaluator: the evaluator API's view of <see cref="CodingEvaluator"/>. The task's data
/// file holds the problems (hidden tests included); the runtime has already compiled the answer through the agent gate
/// and called it on the task's calls (visible examples, then hidden tests) in the run's isolation.</summary>
public sealed class Evaluator : IEvaluator
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, CodingProblem>> _problems = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public EvaluationResult Evaluate(EvalInput input)
    {
        var dataFile = input.Task.DataFile ?? throw new InvalidOperationException($"Task '{input.Task.Id}' names no problems file (\"data\").");
        if (!_problems.TryGetValue(dataFile, out var problems))
        {
            problems = CodingEvaluator.ParseAll(input.Data.ReadText(dataFile)).ToDictionary(p => p.Id, StringComparer.Ordinal);
            _problems[dataFile] = problems;
        }

        if (!problems.TryGetValue(input.Task.Id, out var problem))
        {
            throw new InvalidOperationException($"Task '{input.Task.Id}' is not a problem of {dataFile}.");
        }

        var runs = input.CodeRuns ?? throw new InvalidOperationException("The coding domain's answers are C# source; the runtime gave no runs.");
        var verdict = CodingEvaluator.Score(problem, runs.Compiled, runs.CompileError, runs.Runs.Select(r => new CodingRun(r.Ok, r.OutputJson, r.Error)).ToList());
        return verdict.Valid ? EvaluationResult.Ok(verdict.Score, verdict.Feedback) : EvaluationResult.Invalid(verdict.Feedback);
    }
}
