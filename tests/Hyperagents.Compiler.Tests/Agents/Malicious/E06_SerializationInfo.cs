// Data-contract, XML and ISerializable serialization read every field or property of a foreign type:
// Exception.GetObjectData writes the stack trace into a SerializationInfo.
using System.IO;
using System.Runtime.Serialization;
using System.Xml.Serialization;

namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var caught = new InvalidOperationException();
        var stream = new MemoryStream();
        new DataContractSerializer(typeof(Exception)).WriteObject(stream, caught); // expect HA0001 System.Runtime.Serialization.DataContractSerializer
        new XmlSerializer(typeof(List<int>)).Serialize(stream, new List<int>()); // expect HA0001 System.Xml.Serialization.XmlSerializer
        var info = new SerializationInfo(typeof(Exception), new FormatterConverter()); // expect HA0001 System.Runtime.Serialization.SerializationInfo
        return info.GetString("StackTraceString") + stream.Length;
    }
}
