using System.Threading.Tasks;
using Hyperagents;

// Hot loops and a hot small method: exactly what makes Mono's interpreter ask for jiterpreter traces, interp-entry
// wrappers and jit-call thunks when the jiterpreter is on.
public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        long sum = 0;
        for (var i = 0; i < 2_000_000; i++)
        {
            sum += Mix(i) & 7;
        }

        var sieve = new bool[100_000];
        var primes = 0;
        for (var i = 2; i < sieve.Length; i++)
        {
            if (sieve[i]) continue;
            primes++;
            for (var j = 2 * i; j < sieve.Length; j += i) sieve[j] = true;
        }

        return Task.FromResult($"{sum};{primes}");
    }

    private static int Mix(int x) => (x * 31) ^ (x >> 3);
}
