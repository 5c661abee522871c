// E4: reach the network: raw socket, TcpClient, DNS, then HttpClient (last: it may kill the VM).
using System;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        var port = int.Parse(context.Task.Parameters["port"]);
        var report = new StringBuilder();
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(IPAddress.Loopback, port);
            report.Append("CONNECTED socket\n");
        }
        catch (Exception ex)
        {
            report.Append("socket:").Append(ex.GetType().Name).Append('\n');
        }

        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            report.Append("CONNECTED tcp\n");
        }
        catch (Exception ex)
        {
            report.Append("tcp:").Append(ex.GetType().Name).Append('\n');
        }

        try
        {
            report.Append("dns:").Append(Dns.GetHostAddresses("localhost").Length).Append('\n');
        }
        catch (Exception ex)
        {
            report.Append("dns:").Append(ex.GetType().Name).Append('\n');
        }

        if (context.Task.Parameters.ContainsKey("http"))
        {
            try
            {
                using var http = new HttpClient();
                report.Append("HTTP ").Append(await http.GetStringAsync($"http://127.0.0.1:{port}/")).Append('\n');
            }
            catch (Exception ex)
            {
                report.Append("http:").Append(ex.GetType().Name).Append('\n');
            }
        }

        return report.ToString();
    }
}
