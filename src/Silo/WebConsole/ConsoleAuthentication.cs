using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OrleansGateway.Silo.Dashboard;

namespace OrleansGateway.Silo.WebConsole;

/// <summary>
/// The console's sign-in: the login cookie of the dashboard (<see cref="DashboardCookie"/>) names a live login
/// (<see cref="DashboardSessions"/>); its key's name and role become the user, with the login's digest (so that every
/// write checks the login is still live) and the client's address (for the audit log). Without one, a page is sent to
/// the login page and anything else (the live connection) gets 401.
/// </summary>
public sealed class ConsoleAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    DashboardSessions sessions,
    DashboardCookie cookie) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "og-console";
    public const string SessionClaim = "og:session";
    public const string ClientClaim = "og:client";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (sessions.Find(cookie.Read(Context)) is not { } login)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var address = Context.Connection.RemoteIpAddress;
        var client = (address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address)?.ToString() ?? "";
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, login.KeyName), new Claim(ClaimTypes.Role, login.Role), new Claim(SessionClaim, login.Digest), new Claim(ClientClaim, client)],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var request = Context.Request;
        if (HttpMethods.IsGet(request.Method) && (request.Headers["Sec-Fetch-Mode"] == "navigate"
            || request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)))
        {
            Context.Response.Redirect($"{DashboardPaths.Login}?next={Uri.EscapeDataString(request.Path + request.QueryString)}");
            return Task.CompletedTask;
        }
        Context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }
}
