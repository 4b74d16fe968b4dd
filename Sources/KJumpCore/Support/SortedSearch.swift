extension RandomAccessCollection where Index == Int {
    /// In a collection sorted by `key`, the index of the last element whose
    /// key is at most `value` (binary search); nil when every key is larger.
    func lastIndex(withKeyAtMost value: UInt64, key: (Element) -> UInt64) -> Int? {
        var low = startIndex
        var high = endIndex
        while low < high {
            let middle = (low + high) / 2
            if key(self[middle]) <= value { low = middle + 1 } else { high = middle }
        }
        return low > startIndex ? low - 1 : nil
    }
}
