using System.Net;

namespace OrleansGateway.EndToEnd.Tests.Dashboard;

/// <summary>Raw HTTP against a silo's dashboard: no automatic redirects, cookies sent by hand.</summary>
internal sealed class DashboardRequests(int adminPort) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    public string CookieName { get; } = $"og_dashboard_{adminPort}";

    /// <summary>POSTs the login form; the response and the Set-Cookie line for the dashboard cookie, if any.</summary>
    public async Task<(HttpResponseMessage Response, string? SetCookie)> LogInAsync(string key, string? next = null)
    {
        var fields = new List<KeyValuePair<string, string>> { new("key", key) };
        if (next is not null)
        {
            fields.Add(new("next", next));
        }
        var response = await _http.PostAsync("/dashboard/login", new FormUrlEncodedContent(fields));
        var setCookie = response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.FirstOrDefault(v => v.StartsWith(CookieName + "=", StringComparison.Ordinal))
            : null;
        return (response, setCookie);
    }

    /// <summary>Logs in and returns the cookie's value (the session token).</summary>
    public async Task<string> SessionAsync(string key)
    {
        var (response, setCookie) = await LogInAsync(key);
        if (response.StatusCode != HttpStatusCode.SeeOther || setCookie is null)
        {
            throw new InvalidOperationException($"login answered {(int)response.StatusCode} without the cookie");
        }
        return CookieValue(setCookie);
    }

    public static string CookieValue(string setCookie) => setCookie.Split(';')[0].Split('=', 2)[1];

    /// <summary>A GET with the session cookie (when given) and the Accept header a browser or the dashboard's XHR sends.</summary>
    public Task<HttpResponseMessage> GetAsync(string path, string? session = null, string accept = "application/json", string? apiKey = null) =>
        SendAsync(HttpMethod.Get, path, session, accept, apiKey);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? session = null, string accept = "application/json", string? apiKey = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (session is not null)
        {
            request.Headers.Add("Cookie", $"{CookieName}={session}");
        }
        if (apiKey is not null)
        {
            request.Headers.Add("X-API-KEY", apiKey);
        }
        return _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();
}
