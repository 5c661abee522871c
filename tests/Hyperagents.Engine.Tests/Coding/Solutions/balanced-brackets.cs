public static class Solution
{
    public static bool Balanced(string s)
    {
        var stack = new Stack<char>();
        foreach (var c in s)
        {
            switch (c)
            {
                case '(': stack.Push(')'); break;
                case '[': stack.Push(']'); break;
                case '{': stack.Push('}'); break;
                case ')' or ']' or '}':
                    if (stack.Count == 0 || stack.Pop() != c)
                    {
                        return false;
                    }

                    break;
            }
        }

        return stack.Count == 0;
    }
}
