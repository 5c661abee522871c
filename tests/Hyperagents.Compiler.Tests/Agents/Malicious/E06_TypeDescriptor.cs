// TypeDescriptor and TypeConverter read properties by name and convert through any type's converter.
using System.ComponentModel;

namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var caught = new InvalidOperationException();
        var property = TypeDescriptor.GetProperties(caught)["StackTrace"]; // expect HA0001 System.ComponentModel.TypeDescriptor.GetProperties
        var text = TypeDescriptor.GetConverter(typeof(Exception)).ConvertToInvariantString(caught); // expect HA0001 System.ComponentModel.TypeConverter
        return property?.GetValue(caught) + text;
    }
}
