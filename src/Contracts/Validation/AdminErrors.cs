namespace OrleansGateway.Contracts.Validation;

/// <summary>
/// An Admin API error carries APISIX's own text as <c>error_msg</c> (tools match on it) and, where we can say more,
/// the extra help separately as <c>description</c> (as APISIX's own token errors do). Errors travel as one string
/// (validators, grain results); the help follows a separator that the Admin API's response writer splits off.
/// </summary>
public static class AdminErrors
{
    private const char Separator = '\u001f';

    /// <summary>An error whose <c>error_msg</c> is <paramref name="message"/> and <c>description</c> <paramref name="description"/>.</summary>
    public static string Described(string message, string description) => message + Separator + description;

    /// <summary>
    /// The <c>error_msg</c> and the <c>description</c> (null when none) of an error string. Help nested in help (an
    /// option's error inside a "matches none" one) is joined with <c>: </c>.
    /// </summary>
    public static (string Message, string? Description) Split(string error)
    {
        var at = error.IndexOf(Separator, StringComparison.Ordinal);
        return at < 0 ? (error, null) : (error[..at], error[(at + 1)..].Replace(Separator.ToString(), ": ", StringComparison.Ordinal));
    }
}
