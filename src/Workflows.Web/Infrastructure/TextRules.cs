namespace Workflows.Web.Infrastructure;

/// <summary>What counts as plain text in ids and names a caller sends: well-formed Unicode without control characters.</summary>
public static class TextRules
{
    public static bool IsPlainText(string value)
    {
        if (value.Length == 0) return false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c) || c == '\uFFFD') return false;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(c)) return false;
        }
        return true;
    }
}
