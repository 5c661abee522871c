// The serializer's reflection metadata reads members the policy denies: Exception.StackTrace and TargetSite.
using System.Text.Json;

namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        Exception caught;
        try
        {
            throw new InvalidOperationException();
        }
        catch (Exception ex)
        {
            caught = ex;
        }

        var info = JsonSerializerOptions.Default.GetTypeInfo(typeof(Exception)); // expect HA0001 System.Text.Json.JsonSerializerOptions.GetTypeInfo; HA0001 System.Text.Json.Serialization.Metadata.JsonTypeInfo
        var text = new StringBuilder();
        foreach (var property in info.Properties) // expect HA0001 System.Text.Json.Serialization.Metadata.JsonTypeInfo.Properties; HA0001 System.Text.Json.Serialization.Metadata.JsonPropertyInfo
        {
            if (property.Name is "StackTrace" or "TargetSite") // expect HA0001 System.Text.Json.Serialization.Metadata.JsonPropertyInfo.Name
            {
                text.Append(property.Get!(caught)); // expect HA0001 System.Text.Json.Serialization.Metadata.JsonPropertyInfo.Get
            }
        }

        return text.ToString();
    }
}
