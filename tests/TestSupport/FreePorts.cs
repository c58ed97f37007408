using System.Net;
using System.Net.Sockets;

namespace OrleansGateway.TestSupport;

/// <summary>Loopback ports that were free a moment ago (the OS picks them), never handed out twice by this process.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// The first of <paramref name="size"/> consecutive loopback ports that are free now, below the OS's ephemeral
    /// range (32768 and up on Linux), so that outgoing connections do not take them before a process binds them.
    /// </summary>
    public static int NextBlock(int size)
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var first = Random.Shared.Next(20_000, 32_000 - size);
                var block = Enumerable.Range(first, size).ToArray();
                if (block.All(p => !Given.Contains(p) && IsFree(p)))
                {
                    Given.UnionWith(block);
                    return first;
                }
            }
            throw new InvalidOperationException($"no {size} consecutive free loopback ports found from 20000 to 32000");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
