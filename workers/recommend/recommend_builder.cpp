// Placeholder until the recommend builder lands (issue 7).
namespace recommend {}
