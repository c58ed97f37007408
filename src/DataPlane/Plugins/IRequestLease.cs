namespace OrleansGateway.DataPlane.Plugins;

/// <summary>Something a request holds while it is in flight (a concurrency slot), given back when it completes.</summary>
public interface IRequestLease
{
    void Release();
}
