namespace Workflows.Web.Localization;

/// <summary>The administration console's texts: <c>AdminTexts.resx</c> (Chinese, neutral) and <c>AdminTexts.en.resx</c>.</summary>
public sealed class AdminTexts;
