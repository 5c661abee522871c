// E12: catch everything around the loop, loop again in finally and in an exception filter.
using System;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        while (true)
        {
            try
            {
                try
                {
                    while (true)
                    {
                    }
                }
                catch (Exception ex) when (Spin(ex))
                {
                }
                finally
                {
                    while (true)
                    {
                    }
                }
            }
            catch
            {
            }
        }
    }

    private static bool Spin(Exception ex)
    {
        while (true)
        {
        }
    }
}
