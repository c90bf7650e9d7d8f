// Placeholder until the features builder lands (issue 7).
namespace features {}
