namespace Hyperagents.Domains;

/// <summary>A domain whose evaluator can judge an answer with every tolerance at zero (or in exact rational
/// arithmetic). The loop re-checks a child this way before it becomes the run's best, so an "improvement" that exists
/// only inside a tolerance never replaces the incumbent.</summary>
/// <remarks>
/// Every built-in implements it: those whose ordinary check has a tolerance (the dataset domain's numeric match,
/// Heilbronn's containment) drop it here; those already exact give the same verdict. A domain package implements it by
/// asking its evaluator again with <c>EvalInput.Exact</c> set. A domain without it is taken at its word and the
/// re-check records so.
/// </remarks>
public interface IExactCheck
{
    /// <summary>Scores an answer with no tolerance: an answer valid only within a tolerance is invalid here.</summary>
    /// <param name="task">A task of this domain.</param>
    /// <param name="answer">The answer text.</param>
    /// <exception cref="ArgumentException">The task does not belong to this domain.</exception>
    TaskScore EvaluateExact(TaskSpec task, string answer);
}
